// traceback-levels: SIGQUIT makes the runtime print goroutine stacks and exit 2; SIGUSR1 makes it panic instead.
// Send: SIGQUIT
// Output contains: SIGQUIT: quit
// Output contains: main.worker
// Output contains: main.sleeper
// Exit: 2
//
// Three workers wait on a channel and one goroutine sleeps, so a traceback
// has user goroutines to show. SIGQUIT is not Notify'd: the runtime's default
// action prints the stacks and exits 2. SIGUSR1 is Notify'd and main panics
// with "asked to panic", a failure of user code, so that GOTRACEBACK's levels
// (none, single, all, system, crash) can be compared on both kinds of failure.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func worker(jobs chan int, started *sync.WaitGroup) {
	started.Done()
	for range jobs {
	}
}

func sleeper(started *sync.WaitGroup) {
	started.Done()
	time.Sleep(time.Hour)
}

func main() {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	jobs := make(chan int)
	var started sync.WaitGroup
	started.Add(4)
	for i := 0; i < 3; i++ {
		go worker(jobs, &started)
	}
	go sleeper(&started)
	started.Wait() // every goroutine has started running its main.* function
	fmt.Println("READY")
	<-usr1
	panic("asked to panic")
}
