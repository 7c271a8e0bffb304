package awscall

import "fmt"

// Login is the advice for missing, expired or rejected credentials: the SSO
// login for an SSO profile, fresh credentials for a named one, else
// fallback, which each service words for what it can do without a profile.
func Login(profile string, sso bool, fallback string) string {
	p := profile
	if p == "" {
		p = "default"
	}
	if sso {
		return fmt.Sprintf("run `aws sso login --profile %s` and start flowtail again", p)
	}
	if profile != "" {
		return fmt.Sprintf("refresh the credentials of profile %q (or pick another with --profile) and start flowtail again", p)
	}
	return fallback
}
