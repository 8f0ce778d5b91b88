// article-sigprocmask: the article's Go snippet (section 2.3) as printed, wrapped in a main package.
// It does not compile on Linux: the syscall package has no Sigprocmask and no Sigset_t there.
// The course builds it to show the compiler's answer; pthread-sigmask is what works.
package main

import "syscall"

// 在特定M上屏蔽SIGUSR1,防止干扰长时GC标记
func blockUSR1OnCurrentM() {
	var oldMask syscall.Sigset_t
	syscall.Sigprocmask(syscall.SIG_BLOCK, &syscall.Sigset_t{1 << (syscall.SIGUSR1 - 1)}, &oldMask)
	// 注意:此mask仅对当前M有效,新M启动时默认无屏蔽
}

func main() {
	blockUSR1OnCurrentM()
}
