package app

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ruche-project/ruche/services/moderation"
)

// classifyCommand is `ruche classify`: JSON lines in, one JSON line of labels
// and decision out per input, through the same code path as the moderation
// service (moderation.Assess). Brands get the built-in policy until brand
// policies are data.
func classifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "classify",
		Short: `Label interactions read as JSON lines on stdin ({"text": …, "lang"?, "brand"?, "author"?}) and print the moderation decision`,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			failed, err := moderation.ClassifyLines(cmd.InOrStdin(), cmd.OutOrStdout(), moderation.BuiltinPolicies{}, time.Now().UTC())
			if err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("classify: %d line(s) could not be read", failed)
			}
			return nil
		},
	}
}
