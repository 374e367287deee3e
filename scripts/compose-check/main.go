// compose-check loads a compose file with compose-go, the library `docker compose` itself uses, so the
// file is checked without a Docker engine the way `docker compose config` checks it: the compose-spec
// JSON schema, interpolation, YAML anchors, and the references between services (depends_on, volumes).
// All profiles are enabled, so services behind a profile are checked too. On success it prints the
// normalized project as JSON (test/docker/compose.test.ts reads it); on failure the reason, exit 1.
//
//	go run ./scripts/compose-check compose.yaml
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check compose.yaml [more.yaml…]")
		os.Exit(2)
	}
	opts, err := cli.NewProjectOptions(os.Args[1:],
		cli.WithName("heroflow"),
		cli.WithResolvedPaths(false),
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
