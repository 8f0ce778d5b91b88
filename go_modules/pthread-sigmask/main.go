// pthread-sigmask: block SIGUSR1 on one thread from pure Go (no cgo), with golang.org/x/sys/unix.PthreadSigmask.
//
// What the article's syscall.Sigprocmask snippet wanted, written so that it
// compiles on Linux. A signal mask belongs to a thread, so the goroutine locks
// itself to its thread first (runtime.LockOSThread) and stays there: only
// that thread blocks SIGUSR1. A SIGUSR1 sent to the process with kill(2) is
// delivered to another thread and reaches Notify; one sent to the blocking
// thread with tgkill(2) stays pending in that thread's SigPnd.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"golang.org/x/sys/unix"
)

// blockOnThisThread blocks sig on the calling thread only (rt_sigprocmask).
func blockOnThisThread(sig unix.Signal) error {
	var set, old unix.Sigset_t
	n := uint(sig) - 1
	set.Val[n/64] |= 1 << (n % 64)
	return unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old)
}

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGUSR1)
	tids := make(chan int)
	go func() {
		runtime.LockOSThread() // the goroutine keeps this thread, and the thread keeps its mask
		if err := blockOnThisThread(unix.SIGUSR1); err != nil {
			fmt.Println("PthreadSigmask:", err)
			os.Exit(1)
		}
		tids <- unix.Gettid()
		select {} // stay on the thread, which stays blocking SIGUSR1
	}()
	fmt.Println("blocked SIGUSR1 on tid", <-tids)
	fmt.Println("READY")
	fmt.Println("got signal:", <-sigs)
}
