module github.com/ruche-project/ruche/services/drafting

go 1.26.8

replace github.com/ruche-project/ruche/events => ../../events

replace github.com/ruche-project/ruche/pkg => ../../pkg

require (
	github.com/sashabaranov/go-openai v1.43.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
