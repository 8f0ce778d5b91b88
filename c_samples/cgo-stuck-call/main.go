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
package main

// #include "ledger.h"
import "C"

import (
	"fmt"
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
	started := make(chan struct{})
	go func() {
		close(started)
		(&ledger{ackFd: ack[0]}).flush()
	}()
	<-started
	time.Sleep(50 * time.Millisecond) // let every goroutine reach where it waits
	fmt.Println("READY")
	select {}
}
