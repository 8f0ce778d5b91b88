// article-sleep-loop: the article's own example (a loop of time.Sleep, no Notify) dies on the first Ctrl+C.
// Send: tty ^C
// Exit: killed by SIGINT
//
// The article presents this program as one that ignores Ctrl+C. Run it.
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
