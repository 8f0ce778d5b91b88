// debug-signals: SIGUSR1 writes a goroutine dump and SIGUSR2 a heap profile (runtime/pprof); the service keeps running.
// Send: SIGUSR1; SIGUSR2 after "DUMP goroutines"; SIGTERM after "DUMP heap"
// Output contains: DUMP goroutines
// Output contains: DUMP heap
// Output contains: got terminated: exit 143
// Exit: 143
//
// The service looks like the article's story: -conns loopback TCP connections
// (127.0.0.1 only) whose server goroutines sit in net.(*conn).Read waiting for
// bytes that never come, -workers goroutines waiting on a channel, and a cache
// of -cache-mib MiB built by fillCache (so the heap profile has a clear top).
//
// SIGUSR1: pprof.Lookup("goroutine").WriteTo(f, 2), the same text a crash
// prints, into <dir>/goroutines-<n>.txt. SIGUSR2: runtime.GC() (so the profile
// is up to date) and pprof.WriteHeapProfile into <dir>/heap-<n>.pb.gz.
// Each prints "DUMP <kind> <path> <bytes> stw=<n> stw_max_us=<µs>": the
// stop-the-world pauses other than GC's that happened during the dump
// (runtime/metrics /sched/pauses/total/other:seconds), and the upper bound of
// the histogram bucket holding the longest. -dir defaults to a fresh temporary
// directory that is removed at exit. SIGTERM: exit 143.
//
// READY comes only once runtime.Stack shows every server goroutine parked in
// its Read ("IO wait") and every worker in its channel receive.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

var cache [][]byte

// clients holds the client ends for as long as the service runs: a net.Conn
// nobody references is closed by its finalizer after a garbage collection,
// and its server goroutine would then see EOF and end.
var clients []net.Conn

// fillCache keeps mib MiB reachable, in 64 KiB blocks.
func fillCache(mib int) {
	for i := 0; i < mib*16; i++ {
		block := make([]byte, 64<<10)
		block[0] = byte(i)
		cache = append(cache, block)
	}
}

// serveConn waits for data from a client that never sends any.
func serveConn(c net.Conn) {
	io.Copy(io.Discard, c)
}

// idleConnections opens n loopback connections, each served by a goroutine,
// and returns the client ends.
func idleConnections(n int) []net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveConn(c)
		}
	}()
	ends := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			fmt.Println("dial:", err)
			os.Exit(1)
		}
		ends = append(ends, c)
	}
	return ends
}

func worker(jobs chan int) {
	for range jobs {
	}
}

// parked counts the goroutines in stacks (a runtime.Stack dump) blocked in
// state (as a goroutine's header shows it, e.g. "IO wait") with fn on their stack.
func parked(stacks, state, fn string) int {
	n := 0
	for _, g := range strings.Split(stacks, "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "["+state) && strings.Contains(g, fn+"(") {
			n++
		}
	}
	return n
}

// waitParked returns once conns goroutines wait in serveConn's Read and
// workers in worker's receive, or after 5 s.
func waitParked(conns, workers int) {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s := string(buf[:runtime.Stack(buf, true)])
		if parked(s, "IO wait", "main.serveConn") == conns && parked(s, "chan receive", "main.worker") == workers {
			return
		}
	}
	fmt.Println("not every goroutine parked within 5 s")
}

const stwMetric = "/sched/pauses/total/other:seconds"

// stwPauses reads the histogram of non-GC stop-the-world pauses.
func stwPauses() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: stwMetric}}
	metrics.Read(s)
	return s[0].Value.Float64Histogram()
}

// pausesSince counts the pauses added since before and the upper bound (µs)
// of the highest bucket that gained one.
func pausesSince(before *metrics.Float64Histogram) (n uint64, maxUs float64) {
	after := stwPauses()
	for i, c := range after.Counts {
		if d := c - before.Counts[i]; d > 0 {
			n += d
			maxUs = after.Buckets[i+1] * 1e6
		}
	}
	return n, maxUs
}

// dump writes one profile into dir and reports it.
func dump(dir, kind string, n int) {
	name := map[string]string{"goroutines": "goroutines-%d.txt", "heap": "heap-%d.pb.gz"}[kind]
	path := filepath.Join(dir, fmt.Sprintf(name, n))
	f, err := os.Create(path)
	if err != nil {
		fmt.Println("dump:", err)
		return
	}
	before := stwPauses()
	if kind == "goroutines" {
		err = pprof.Lookup("goroutine").WriteTo(f, 2)
	} else {
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
	}
	stw, stwMax := pausesSince(before)
	size, _ := f.Seek(0, io.SeekCurrent)
	f.Close()
	if err != nil {
		fmt.Println("dump:", err)
		return
	}
	fmt.Printf("DUMP %s %s %d stw=%d stw_max_us=%.0f\n", kind, path, size, stw, stwMax)
}

func main() {
	dir := flag.String("dir", "", "where dumps go (default: a temporary directory removed at exit)")
	conns := flag.Int("conns", 8, "idle loopback connections")
	workers := flag.Int("workers", 4, "goroutines waiting for jobs")
	mib := flag.Int("cache-mib", 16, "MiB kept in the cache")
	flag.Parse()
	created := ""
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "debug-signals-")
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		created, *dir = tmp, tmp
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM)
	fillCache(*mib)
	clients = idleConnections(*conns)
	jobs := make(chan int)
	for i := 0; i < *workers; i++ {
		go worker(jobs)
	}
	waitParked(*conns, *workers)
	fmt.Printf("pid %d, %d idle connections, %d workers, %d MiB cache\nREADY\n", os.Getpid(), len(clients), *workers, *mib)

	n := 0
	for sig := range sigs {
		n++
		switch sig {
		case syscall.SIGUSR1:
			dump(*dir, "goroutines", n)
		case syscall.SIGUSR2:
			dump(*dir, "heap", n)
		case syscall.SIGTERM:
			fmt.Println("got terminated: exit 143")
			if created != "" {
				os.RemoveAll(created)
			}
			os.Exit(143)
		}
	}
}
