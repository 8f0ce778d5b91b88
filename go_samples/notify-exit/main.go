// notify-exit: signal.Notify replaces SIGINT's default action; the program exits 130 itself.
// Send: tty ^C
// Output contains: got signal: interrupt
// Exit: 130
//
// 130 is 128 + SIGINT, the status a shell shows for a program killed by SIGINT;
// exiting with it tells the caller the program was interrupted.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"sigcamp/internal/stamp"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	fmt.Println("READY")
	sig := <-sigs
	stamp.Print("received")
	fmt.Println("got signal:", sig)
	os.Exit(130)
}
