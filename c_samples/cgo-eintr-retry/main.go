// cgo-eintr-retry: C takes SIGUSR1 without SA_RESTART: raw syscall.Read fails with EINTR, os.NewFile's read retries in internal/poll.
// Send: SIGUSR1; SIGUSR2
// Output contains: C handler installed without SA_RESTART
// Output contains: os.NewFile read: 6 bytes, err <nil>
// Output contains: os.Pipe read: 6 bytes, err <nil>
// Exit: 0
//
// The same three readers as go_samples/pipe-read-signals, but C replaces the
// runtime's SIGUSR1 handler with its own, installed with SA_ONSTACK (which Go
// requires of foreign handlers) and without SA_RESTART. A SIGUSR1 that lands
// on a thread sleeping in read(2) now makes read return -1/EINTR:
//
//	raw syscall.Read   gets the error: syscall.Read does not retry
//	os.NewFile read    does not: internal/poll wraps read(2) in ignoringEINTRIO,
//	                   which calls it again
//	os.Pipe read       never was in read(2): parked in the netpoller
//
// A process-directed kill may land on any thread, so aim with tgkill(2) at the
// tids in the BLOCKED lines. SIGUSR2 (Notify'd, still Go's) writes "hello\n"
// into all three pipes; the program prints each read's result, the C handler's
// count ("C handler ran <n>") and exits 0.
package main

/*
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t hits;

static void on_usr1(int sig) { (void)sig; hits = hits + 1; }

static int install_plain_handler(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;  // no SA_RESTART
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

static int handler_hits(void) { return hits; }
*/
import "C"

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
	if err := syscall.Pipe(p[:]); err != nil {
		fmt.Println("pipe:", err)
		os.Exit(1)
	}
	return p[0], p[1]
}

func readLocked(way string, fd int, read func([]byte) (int, error), started chan<- bool, done chan<- result) {
	runtime.LockOSThread()
	fmt.Printf("BLOCKED %s tid=%d fd=%d\n", way, syscall.Gettid(), fd)
	started <- true
	buf := make([]byte, 64)
	n, err := read(buf)
	done <- result{way, n, err}
}

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR2)
	if C.install_plain_handler() != 0 {
		fmt.Println("sigaction failed")
		os.Exit(1)
	}
	fmt.Println("C handler installed without SA_RESTART")
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
	if raw, err := pipeR.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) { fmt.Printf("PARKED pipe fd=%d\n", fd) })
	}
	<-started
	<-started
	fmt.Printf("pid %d\nREADY\n", os.Getpid())

	<-sigs
	line := []byte("hello\n")
	syscall.Write(rawW, line)
	syscall.Write(fileW, line)
	pipeW.Write(line)
	names := map[string]string{"raw": "raw syscall.Read", "newfile": "os.NewFile read", "pipe": "os.Pipe read"}
	for i := 0; i < 3; i++ {
		r := <-done
		fmt.Printf("%s: %d bytes, err %v\n", names[r.way], r.n, r.err)
	}
	fmt.Printf("C handler ran %d\n", C.handler_hits())
}
