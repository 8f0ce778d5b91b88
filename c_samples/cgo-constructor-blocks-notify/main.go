// cgo-constructor-blocks-notify: a C constructor blocks every signal; a pending SIGUSR1 arrives only once Notify asks for it.
// Send: SIGUSR1; SIGTERM; SIGTERM after "got signal: user defined signal 1"
// Output contains: constructor blocked 60 signals
// Output contains: got SIGTERM: now Notify(SIGUSR1)
// Output contains: got signal: user defined signal 1
// Exit: 0
//
// The constructor's mask survives the runtime's start for every signal the
// runtime can do without, SIGUSR1 among them: a kill -USR1 stays pending
// process-wide (ShdPnd). signal.Notify(SIGUSR1) makes the runtime unblock it
// in one thread, the one ensureSigM started (it keeps every other signal not
// wanted by os/signal blocked), and the kernel delivers the pending signal
// there at once. The program asks for SIGTERM first, and for SIGUSR1 only
// when a SIGTERM arrives; a second SIGTERM ends it.
package main

/*
#include <signal.h>

static int blocked_by_constructor;

__attribute__((constructor)) static void block_everything(void) {
	sigset_t set, now;
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigprocmask(SIG_BLOCK, NULL, &now);
	for (int sig = 1; sig < 65; sig++)
		blocked_by_constructor += sigismember(&now, sig) == 1;
}

static int constructor_blocked(void) { return blocked_by_constructor; }
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	fmt.Println("constructor blocked", C.constructor_blocked(), "signals")
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	fmt.Println("READY")
	<-term
	usr1 := make(chan os.Signal, 1)
	fmt.Println("got SIGTERM: now Notify(SIGUSR1)")
	signal.Notify(usr1, syscall.SIGUSR1)
	select {
	case sig := <-usr1:
		fmt.Println("got signal:", sig)
	case <-time.After(2 * time.Second):
		fmt.Println("no SIGUSR1 within 2 s")
		os.Exit(1)
	}
	<-term
}
