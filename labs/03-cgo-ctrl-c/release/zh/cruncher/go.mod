module cruncher

go 1.25
