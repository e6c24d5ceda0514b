module github.com/ruche-project/ruche/events

go 1.26.8

replace github.com/ruche-project/ruche/pkg => ../pkg
