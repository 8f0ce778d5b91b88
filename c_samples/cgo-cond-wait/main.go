// cgo-cond-wait: a goroutine waits in C's pthread_cond_wait with no mask of its own; signals still reach Notify.
// Send: SIGUSR1; SIGTERM after "got signal: user defined signal 1"
// Output contains: waits in pthread_cond_wait
// Output contains: got signal: user defined signal 1
// Output contains: pthread_cond_wait returned 0 times
// Exit: 0
//
// pthread_cond_wait does not block any signal. Aim a signal at the waiting
// thread with tgkill(2) (SIGUSR1, or the real-time SIGRTMIN+1) and the Go
// handler runs on that thread in the middle of the wait: the futex call is
// interrupted, the handler hands the signal to os/signal, and the wait goes
// on. Each signal prints "got signal: ...", and at the end the program says
// how many times pthread_cond_wait returned (nobody signals the condition).
// SIGTERM ends it with status 0. The main goroutine keeps the main thread
// (LockOSThread in init), so the C call runs on a thread the runtime started.
package main

/*
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int waiter_tid, done, returns;

// wait_forever sleeps on a condition variable that nobody signals,
// counting how often pthread_cond_wait returns anyway.
static void wait_forever(void) {
	pthread_mutex_lock(&mu);
	waiter_tid = (int)syscall(SYS_gettid);
	while (!done) {
		pthread_cond_wait(&cond, &mu);
		returns++;
	}
	pthread_mutex_unlock(&mu);
}

// waiting_tid is the waiter's TID once it sleeps in pthread_cond_wait, else 0.
static int waiting_tid(void) {
	pthread_mutex_lock(&mu);
	int tid = waiter_tid;
	pthread_mutex_unlock(&mu);
	return tid;
}

static int wait_returns(void) {
	pthread_mutex_lock(&mu);
	int n = returns;
	pthread_mutex_unlock(&mu);
	return n;
}
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

const sigrtmin1 = syscall.Signal(35) // glibc's SIGRTMIN+1 (Go never handles 32-34)

func init() { runtime.LockOSThread() } // main keeps the main thread

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, sigrtmin1, syscall.SIGTERM)
	go C.wait_forever() // never returns: this goroutine stays in runtime.cgocall
	tid := C.waiting_tid()
	for ; tid == 0; tid = C.waiting_tid() {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("tid", tid, "waits in pthread_cond_wait")
	fmt.Println("READY")
	for sig := range sigs {
		fmt.Println("got signal:", sig)
		if sig == syscall.SIGTERM {
			break
		}
	}
	fmt.Println("pthread_cond_wait returned", C.wait_returns(), "times")
}
