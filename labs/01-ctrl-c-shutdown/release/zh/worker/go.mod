module worker

go 1.25
