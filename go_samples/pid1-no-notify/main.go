// pid1-no-notify: a Go program without Notify as PID 1 of its own PID namespace: Ctrl+C still ends it, through the runtime's last-resort exit.
// Launch: pid1
// Send: tty ^C
// Exit: 2
// Exit go1.27: 130
//
// A container's entry point runs as PID 1, and the kernel never applies a
// default action to a PID namespace's init (only SIGKILL and SIGSTOP sent
// from an ancestor namespace act). Go installs a handler for SIGINT, so
// Ctrl+C arrives and the handler runs; with no Notify
// the runtime's dieFromSignal re-raises it, once through its own handler and
// then with the default action, and the kernel drops those raises. Having not
// died, dieFromSignal exits by itself: exit(2) up to Go 1.26, exit(128+sig),
// i.e. 130, from Go 1.27 on. Same program as article-sleep-loop.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("READY")
	for {
		time.Sleep(1 * time.Second)
	}
}
