// lockosthread-notify: the article's LockOSThread + Notify "forwarder": the signal is still handled on whatever thread the kernel picks.
// Send: SIGUSR1; SIGUSR2 after "received user defined signal 1"; SIGTERM after "pthread_kill"
// Output contains: locked tid
// Output contains: received user defined signal 1 on tid
// Output contains: pthread_kill(locked thread, SIGUSR1) = 0
// Exit: 143
//
// setupSignalForwarder is the article's function, verbatim. The goroutine that
// calls it is locked to one thread and reads the channel there; it prints that
// thread's TID (gettid) for every signal it receives. Where the runtime's
// handler ran is another matter: see the chapter's delve experiment.
//
// LOCK_MAIN=1 locks the main goroutine (in init, so on the main thread);
// without it a new goroutine is locked to a thread of its own. NOTIFY_FIRST=1
// swaps the article's two calls (Notify, then LockOSThread), the order the
// article warns against. OTHER_NOTIFY=1 adds a goroutine that is not locked and
// calls Notify(SIGUSR1) on a channel of its own. Each SIGUSR2
// asks the program to pthread_kill(3) the locked thread with SIGUSR1: the one
// way (with tgkill) to aim a signal at a thread. SIGTERM ends it with exit 143.
package main

/*
#include <pthread.h>
#include <signal.h>

static pthread_t locked;
static void remember_this_thread(void) { locked = pthread_self(); }
static int signal_locked_thread(int sig) { return pthread_kill(locked, sig); }
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

var (
	onMain      = os.Getenv("LOCK_MAIN") == "1"
	notifyFirst = os.Getenv("NOTIFY_FIRST") == "1"
	otherNotify = os.Getenv("OTHER_NOTIFY") == "1"
)

func init() {
	if onMain {
		runtime.LockOSThread() // in init: the main goroutine stays on the main thread
	}
}

// setupSignalForwarder is the article's code, unchanged.
func setupSignalForwarder() chan os.Signal {
	sigCh := make(chan os.Signal, 1)
	runtime.LockOSThread()
	signal.Notify(sigCh, syscall.SIGUSR1, syscall.SIGTERM)
	return sigCh
}

// setupNotifyFirst is the same with the two calls the other way round.
func setupNotifyFirst() chan os.Signal {
	sigCh := make(chan os.Signal, 1)
	signal.Notify(sigCh, syscall.SIGUSR1, syscall.SIGTERM)
	runtime.LockOSThread()
	return sigCh
}

func forward() {
	setup := setupSignalForwarder
	if notifyFirst {
		setup = setupNotifyFirst
	}
	sigCh := setup()
	C.remember_this_thread()
	fmt.Printf("locked tid %d (main thread %d)\n", syscall.Gettid(), os.Getpid())
	fmt.Println("READY")
	for sig := range sigCh {
		fmt.Printf("received %v on tid %d\n", sig, syscall.Gettid())
		if sig == syscall.SIGTERM {
			os.Exit(143)
		}
	}
}

func main() {
	usr2 := make(chan os.Signal, 1)
	signal.Notify(usr2, syscall.SIGUSR2)
	go func() {
		for range usr2 {
			rc := C.signal_locked_thread(C.SIGUSR1)
			fmt.Printf("pthread_kill(locked thread, SIGUSR1) = %d\n", int(rc))
		}
	}()
	if otherNotify {
		other := make(chan os.Signal, 1)
		signal.Notify(other, syscall.SIGUSR1)
		go func() {
			for sig := range other {
				fmt.Printf("unlocked goroutine received %v on tid %d\n", sig, syscall.Gettid())
			}
		}()
	}
	if onMain {
		forward()
	}
	go forward()
	select {}
}
