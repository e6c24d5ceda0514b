module github.com/ruche-project/ruche/services/analytics

go 1.26.8

replace github.com/ruche-project/ruche/events => ../../events
replace github.com/ruche-project/ruche/pkg => ../../pkg
