// cgo-cond-wait-blocks-sigint: C blocks SIGINT on its thread, then waits in pthread_cond_wait; kill(2) still reaches Notify.
// Send: SIGINT
// Output contains: blocked SIGINT on tid
// Output contains: waits in pthread_cond_wait
// Output contains: got signal: interrupt
// Exit: 130
//
// A goroutine calls C, and C does what many libraries do on a worker thread:
// block a signal with pthread_sigmask, then sleep on a condition variable.
// The goroutine stays inside that cgo call (runtime.cgocall) for the whole
// run, so its thread keeps the mask. Only that thread blocks SIGINT: the
// kernel hands a kill(2)ed SIGINT to another thread, and Notify gets it. A
// tgkill(2) aimed at the waiting thread stays pending there (its SigPnd).
// The main goroutine keeps the main thread (LockOSThread in init), so the
// C call always runs on a thread the runtime started later.
package main

/*
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int waiter_tid, done;

// block_sigint_and_wait blocks SIGINT on the calling thread and waits
// until wake() is called (never, in this program).
static void block_sigint_and_wait(void) {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_mutex_lock(&mu);
	waiter_tid = (int)syscall(SYS_gettid);
	while (!done)
		pthread_cond_wait(&cond, &mu);
	pthread_mutex_unlock(&mu);
}

// waiting_tid is the waiter's TID once it sleeps in pthread_cond_wait, else 0:
// the waiter holds the mutex from setting waiter_tid until the wait releases it.
static int waiting_tid(void) {
	pthread_mutex_lock(&mu);
	int tid = waiter_tid;
	pthread_mutex_unlock(&mu);
	return tid;
}
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"time"
)

func init() { runtime.LockOSThread() } // main keeps the main thread

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	go C.block_sigint_and_wait() // never returns: this goroutine stays in runtime.cgocall
	tid := C.waiting_tid()
	for ; tid == 0; tid = C.waiting_tid() {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("blocked SIGINT on tid", tid)
	fmt.Println("tid", tid, "waits in pthread_cond_wait")
	fmt.Println("READY")
	sig := <-sigs
	fmt.Println("got signal:", sig)
	os.Exit(130)
}
