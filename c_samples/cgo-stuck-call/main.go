// cgo-stuck-call: one goroutine is stuck in a C call, among goroutines that sleep, wait and sit in a system call.
// Send: SIGTERM
// Output contains: ledger flush started
// Exit: killed by SIGTERM
//
// A puzzle for delve. Six goroutines of ours: main waits in a select; one
// sleeps; one waits on a channel; one is in a blocking read(2) on a pipe
// (goroutine status "syscall", like a cgo call, but all its frames are Go);
// and one called the C function ledger_wait_for_ack (ledger.c), which polls a
// pipe nobody ever writes to. delve lists that one with C frames on top
// (C.__poll, C.ledger_wait_for_ack, the cgo wrapper), then runtime.asmcgocall,
// runtime.cgocall, main._Cfunc_ledger_wait_for_ack and the Go method that made
// the call, main.(*ledger).flush. The C function is in its own file so that the
// compiler cannot inline it into the cgo wrapper: it keeps a frame of its own.
//
// READY comes once runtime.Stack shows each of those goroutines where it
// waits (a fixed sleep would not be enough on a loaded machine).
package main

// #include "ledger.h"
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type ledger struct {
	ackFd int // read end of the pipe the peer would acknowledge on
}

// flush hands the ledger to the C side and waits for the peer's acknowledgement.
func (l *ledger) flush() {
	fmt.Println("ledger flush started")
	C.ledger_wait_for_ack(C.int(l.ackFd))
	fmt.Println("ledger flushed")
}

// readConfig reads a configuration pipe with a plain blocking read(2).
func readConfig(fd int) {
	buf := make([]byte, 64)
	syscall.Read(fd, buf)
}

// waiting reports whether some goroutine is blocked in state (as the header
// of a runtime.Stack dump shows it, e.g. "syscall") with fn on its stack.
func waiting(stacks, state, fn string) bool {
	for _, g := range strings.Split(stacks, "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "["+state) && strings.Contains(g, fn+"(") {
			return true
		}
	}
	return false
}

// waitUntilEveryoneWaits returns once every goroutine above waits where it
// should, or after 5 s.
func waitUntilEveryoneWaits() {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s := string(buf[:runtime.Stack(buf, true)])
		if waiting(s, "syscall", "main._Cfunc_ledger_wait_for_ack") && waiting(s, "syscall", "main.readConfig") &&
			waiting(s, "sleep", "main.main.func1") && waiting(s, "chan receive", "main.main.func2") {
			return
		}
	}
	fmt.Println("not every goroutine waits yet after 5 s")
}

func main() {
	var config, ack [2]int
	if err := syscall.Pipe(config[:]); err != nil {
		panic(err)
	}
	if err := syscall.Pipe(ack[:]); err != nil {
		panic(err)
	}
	quit := make(chan struct{})
	go readConfig(config[0])
	go func() { time.Sleep(time.Hour) }()
	go func() { <-quit }()
	go (&ledger{ackFd: ack[0]}).flush()
	waitUntilEveryoneWaits()
	fmt.Println("READY")
	select {}
}
