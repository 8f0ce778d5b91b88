// cgo-thread-blocks-sigint: C blocks SIGINT on one locked thread; a process-directed SIGINT still reaches Notify.
// Send: SIGINT
// Output contains: blocked SIGINT on tid
// Output contains: got signal: interrupt
// Exit: 130
//
// A signal mask belongs to a thread. pthread_sigmask on the thread a locked
// goroutine runs on changes that thread only; the kernel hands a kill(2)ed
// SIGINT to another thread that does not block it. A tgkill(2) aimed at the
// blocking thread stays pending there (SigPnd in /proc/PID/task/TID/status).
package main

/*
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>

static int block_sigint_here(void) {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return (int)syscall(SYS_gettid);
}
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	tid := make(chan int)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread keeps its mask and this goroutine
		tid <- int(C.block_sigint_here())
		select {}
	}()
	fmt.Println("blocked SIGINT on tid", <-tid)
	fmt.Println("READY")
	sig := <-sigs
	fmt.Println("got signal:", sig)
	os.Exit(130)
}
