package cli

import (
	"fmt"

	mango "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
)

// newManCmd prints the manual page, built from the commands and their flags
// (flowtail man | man -l -).
func newManCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "man",
		Short: "print the manual page (roff), e.g. flowtail man | man -l -",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			page, err := mango.NewManPage(1, root)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(c.OutOrStdout(), page.Build(roff.NewDocument()))
			return err
		},
	}
}
