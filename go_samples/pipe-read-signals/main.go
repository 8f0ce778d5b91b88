// pipe-read-signals: three blocking pipe reads survive a storm of SIGUSR1 with no error: SA_RESTART, internal/poll, the netpoller.
// Send: SIGUSR1; SIGUSR1; SIGUSR1; SIGUSR2
// Output contains: raw syscall.Read: 6 bytes, err <nil>
// Output contains: os.NewFile read: 6 bytes, err <nil>
// Output contains: os.Pipe read: 6 bytes, err <nil>
// Exit: 0
//
// Three goroutines each wait for "hello\n" on their own pipe, three ways:
//
//	raw syscall.Read   a blocking fd from syscall.Pipe: read(2) sleeps in the kernel
//	os.NewFile read    a blocking fd wrapped by os.NewFile: not pollable, so
//	                   internal/poll calls read(2) through ignoringEINTRIO
//	os.Pipe read       os.Pipe makes non-blocking fds: the goroutine parks in the
//	                   netpoller and no thread sits in read(2) at all
//
// The first two lock their thread and print "BLOCKED <way> tid=<tid> fd=<fd>",
// so a signal can be aimed at the thread sleeping in read(2) with tgkill(2);
// the third prints "PARKED pipe fd=<fd>".
// SIGUSR1 is Notify'd (the runtime's handler has SA_RESTART, like every Go
// handler); SIGUSR2 writes the line into all three pipes. Each reader prints
// what its read returned; then "SIGUSR1 received <n>" (os/signal coalesces, so
// n can be smaller than what was sent) and exit 0.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

type result struct {
	way string
	n   int
	err error
}

func blockedPipe() (r, w int) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil { // no O_NONBLOCK: read(2) blocks
		fmt.Println("pipe:", err)
		os.Exit(1)
	}
	return p[0], p[1]
}

// readLocked reads from fd on a locked thread, after saying which thread that is.
func readLocked(way string, fd int, read func([]byte) (int, error), started chan<- bool, done chan<- result) {
	runtime.LockOSThread()
	fmt.Printf("BLOCKED %s tid=%d fd=%d\n", way, syscall.Gettid(), fd)
	started <- true
	buf := make([]byte, 64)
	n, err := read(buf)
	done <- result{way, n, err}
}

func main() {
	// One channel per signal: a SIGUSR2 sent right after the storm must not find a shared channel full of
	// SIGUSR1 (os/signal drops what does not fit).
	usr1s := make(chan os.Signal, 1)
	signal.Notify(usr1s, syscall.SIGUSR1)
	usr2 := make(chan os.Signal, 1)
	signal.Notify(usr2, syscall.SIGUSR2)
	done := make(chan result, 3)
	started := make(chan bool, 2)

	rawR, rawW := blockedPipe()
	go readLocked("raw", rawR, func(b []byte) (int, error) { return syscall.Read(rawR, b) }, started, done)

	fileR, fileW := blockedPipe()
	file := os.NewFile(uintptr(fileR), "blocking-pipe")
	go readLocked("newfile", fileR, file.Read, started, done)

	pipeR, pipeW, err := os.Pipe()
	if err != nil {
		fmt.Println("pipe:", err)
		os.Exit(1)
	}
	go func() {
		buf := make([]byte, 64)
		n, err := pipeR.Read(buf)
		done <- result{"pipe", n, err}
	}()
	if raw, err := pipeR.SyscallConn(); err == nil { // not Fd(): that would make it blocking
		raw.Control(func(fd uintptr) { fmt.Printf("PARKED pipe fd=%d\n", fd) })
	}
	<-started
	<-started
	fmt.Printf("pid %d\nREADY\n", os.Getpid())

	usr1 := 0
	for waiting := true; waiting; {
		select {
		case <-usr1s:
			usr1++
		case <-usr2:
			line := []byte("hello\n")
			syscall.Write(rawW, line)
			syscall.Write(fileW, line)
			pipeW.Write(line)
			waiting = false
		}
	}
	names := map[string]string{"raw": "raw syscall.Read", "newfile": "os.NewFile read", "pipe": "os.Pipe read"}
	for i := 0; i < 3; i++ {
		r := <-done
		fmt.Printf("%s: %d bytes, err %v\n", names[r.way], r.n, r.err)
	}
	fmt.Printf("SIGUSR1 received %d\n", usr1)
}
