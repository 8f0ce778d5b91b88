module sigcamp/article-sigprocmask

go 1.25
