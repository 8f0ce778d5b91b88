// cgo-constructor-blocks: a C constructor blocks every signal before the runtime starts; SIGUSR1 stays pending, Ctrl+C still kills.
// Send: SIGUSR1; tty ^C
// Output contains: constructor blocked 60 signals
// Exit: killed by SIGINT
//
// __attribute__((constructor)) runs before main(), so before the Go runtime
// starts: the mask it sets is the mask the runtime finds, saves in
// initSigmask and gives to every thread it creates. In an executable the
// runtime then unblocks, on every thread (minitSignalMask), each signal that
// blockableSig says it cannot do without: those whose sigtable entry has
// _SigKill, _SigThrow or _SigUnblock (SIGHUP, SIGINT, SIGQUIT, SIGTERM, the
// synchronous SIGSEGV, SIGBUS, ...) and SIGURG for preemption. Everything
// else stays blocked in every thread: a kill -USR1 waits in the process-wide
// pending set (ShdPnd), and Ctrl+C kills the program as usual.
package main

/*
#include <signal.h>
#include <stdio.h>

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

import "fmt"

func main() {
	fmt.Println("constructor blocked", C.constructor_blocked(), "signals")
	fmt.Println("READY")
	select {}
}
