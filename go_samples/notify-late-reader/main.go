// notify-late-reader: a Notify channel nobody reads keeps the first signal in its buffer; only later ones are dropped.
// Send: tty ^C; tty ^C after "delivered 1"; tty ^C after "delivered 2"
// Output contains: delivered 3
// Output contains: late reader got: interrupt
// Output contains: late reader got 1 of 3
// Exit: 0
//
// Two channels ask for SIGINT. `watch` is read at once: it counts what
// os/signal delivered to the process, one Ctrl+C at a time (the next one is
// typed only after "delivered N"). `late` (buffer 1) is read by nobody until
// the third Ctrl+C has been delivered. os/signal.process sends to each channel
// without blocking: the first signal fills late's buffer, the second and third
// find it full and are dropped for late. signal.Stop(late) returns only once no
// delivery to late is in flight, so draining it afterwards shows exactly what
// the buffer kept.
package main

import (
	"fmt"
	"os"
	"os/signal"
)

const presses = 3

func main() {
	watch := make(chan os.Signal, presses)
	late := make(chan os.Signal, 1)
	signal.Notify(watch, os.Interrupt)
	signal.Notify(late, os.Interrupt)
	fmt.Println("READY")
	for n := 1; n <= presses; n++ {
		<-watch
		fmt.Println("delivered", n)
	}
	signal.Stop(late)
	got := 0
	for {
		select {
		case sig := <-late:
			got++
			fmt.Println("late reader got:", sig)
			continue
		default:
		}
		break
	}
	fmt.Printf("late reader got %d of %d\n", got, presses)
}
