// Command ruche is Ruche's one binary: `ruche up` runs every service in one
// process with an embedded NATS JetStream server; `ruche run <service>...`
// runs a subset, as each Kubernetes Deployment does.
package main

import (
	"os"

	"github.com/ruche-project/ruche/services/ruche/internal/app"
)

var version = "dev"

func main() {
	os.Exit(app.Main(version, os.Args[1:]))
}
