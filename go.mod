module sigcamp

go 1.25
