// memory-grow: allocates garbage 1 MiB at a time with the collector off (GOGC=off); only a memory limit stops the heap growing.
// Send: SIGTERM after "ALLOC 64"
// Env: GOGC=off GOMEMLIMIT=32MiB
// Output contains: got terminated
// Exit: 143
//
// With GOGC=off the heap grows until a collection is forced: with
// GOMEMLIMIT the runtime collects as the heap nears the limit, so the program
// lives on in a fixed amount of memory; without it, it grows until the
// kernel's OOM killer (a cgroup's memory limit, systemd's MemoryMax=) ends it
// with SIGKILL, which no Go code sees. Every 8 MiB it prints
// "ALLOC <MiB allocated> heap=<MiB> gcs=<n>". SIGTERM (Notify'd) exits 143.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/metrics"
	"syscall"
	"time"
)

var sink []byte

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Println("got terminated: exit 143")
		os.Exit(143)
	}()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	fmt.Println("READY")
	for mib := 1; ; mib++ {
		sink = make([]byte, 1<<20)
		for i := 0; i < len(sink); i += 4096 {
			sink[i] = 1 // touch every page, so it is really resident
		}
		if mib%8 == 0 {
			metrics.Read(samples)
			fmt.Printf("ALLOC %d heap=%d gcs=%d\n", mib, samples[0].Value.Uint64()>>20, samples[1].Value.Uint64())
			time.Sleep(5 * time.Millisecond)
		}
	}
}
