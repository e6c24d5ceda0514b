module github.com/ruche-project/ruche/services/scheduling

go 1.26.8

replace github.com/ruche-project/ruche/events => ../../events

replace github.com/ruche-project/ruche/pkg => ../../pkg

require (
	github.com/ruche-project/ruche/pkg v0.0.0-00010101000000-000000000000
	golang.org/x/text v0.44.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/nats-io/nats.go v1.55.0 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	github.com/ruche-project/ruche/events v0.0.0-00010101000000-000000000000 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
