package rulesdir

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

func copyDemo(t *testing.T, dst string) {
	t.Helper()
	src := filepath.Join("..", "demo", "rules")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	copyDemo(t, dir)
	sub := filepath.Join(dir, "old")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(sub, "instances.json"), `{"Reservations": []}`)
	write(filepath.Join(dir, "notes.txt"), "saved on monday")
	write(filepath.Join(dir, "broken.json"), `{"SecurityGroups": [`)
	write(filepath.Join(dir, ".hidden.json"), `garbage`)

	res, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Snapshot
	if len(s.Interfaces) != 6 || len(s.Groups) != 4 || len(s.ACLs) != 3 || len(s.Subnets) != 3 {
		t.Errorf("loaded %d interfaces, %d groups, %d acls, %d subnets", len(s.Interfaces), len(s.Groups), len(s.ACLs), len(s.Subnets))
	}
	pl := s.PrefixLists["pl-0corp0000000000001"]
	if pl == nil || pl.Name != "corp-vpn" || !pl.Entries || len(pl.CIDRs) != 1 {
		t.Errorf("prefix list = %+v", pl)
	}
	if len(res.Loaded) != 6 {
		t.Errorf("loaded files = %v", res.Loaded)
	}
	want := map[string]string{
		filepath.Join(dir, "broken.json"):    "invalid JSON",
		filepath.Join(sub, "instances.json"): "top-level keys Reservations",
		filepath.Join(dir, "notes.txt"):      "not a .json file",
	}
	if len(res.Warnings) != len(want) {
		t.Errorf("warnings = %v", res.Warnings)
	}
	for _, w := range res.Warnings {
		sub, ok := want[w.Path]
		if !ok || !strings.Contains(w.Error(), sub) || !strings.Contains(w.Error(), w.Path) {
			t.Errorf("warning %s: %v (want it to name the file and say %q)", w.Path, w.Err, sub)
		}
	}
}

func TestLoadSingleFile(t *testing.T) {
	res, err := Load(filepath.Join("..", "demo", "rules", "describe-security-groups.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Snapshot.Groups) != 4 || len(res.Warnings) != 0 {
		t.Errorf("groups %d, warnings %v", len(res.Snapshot.Groups), res.Warnings)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing dir: %v", err)
	}
	empty := t.TempDir()
	if _, err := Load(empty); err == nil || !strings.Contains(err.Error(), "no .json files in "+empty) {
		t.Errorf("empty dir: %v", err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "x.json"), []byte(`{"Foo": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Load(bad)
	if err == nil || !strings.Contains(err.Error(), "no describe-* JSON could be read") || len(res.Warnings) != 1 {
		t.Errorf("dir without rules: %v", err)
	}
}

// The demo rules loaded from disk (as --rules source/demo/rules) decide the
// demo's stories: the public NACL lets SSH in from anywhere, so the scan is
// rejected by the security groups, the corp user is let in by the prefix
// list, and RDP hits the NACL's explicit deny before its later allow.
func TestLoadedDemoRulesDecide(t *testing.T) {
	res, err := Load(filepath.Join("..", "demo", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	syn := func(iface, src, dst string, dport int, logged model.Action) rules.Packet {
		return rules.Packet{Interface: iface, Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), SrcPort: 50123, DstPort: dport,
			Proto: 6, ICMPType: -1, ICMPCode: -1, Flags: model.FlagSYN, HasFlags: true, Logged: logged, Status: model.StatusOK}
	}
	const web, bastion = "eni-0aaa1111111111111", "eni-0eee5555555555555"
	cases := []struct {
		name      string
		p         rules.Packet
		expected  model.Action
		decidedBy string
		naclRule  string
		reason    string
	}{
		{"ssh scan to web", syn(web, "45.155.205.3", "10.0.1.10", 22, model.ActionReject), model.ActionReject, "sg", "120",
			"No inbound rule of security groups sg-0web1111111111111 (web) allows TCP 22 from 45.155.205.3"},
		{"ssh scan to bastion", syn(bastion, "45.155.205.3", "10.0.1.50", 22, model.ActionReject), model.ActionReject, "sg", "120",
			"No inbound rule of security groups sg-0bast555555555555 (bastion) allows TCP 22 from 45.155.205.3"},
		{"corp ssh to bastion", syn(bastion, "198.51.100.7", "10.0.1.50", 22, model.ActionAccept), model.ActionAccept, "none", "120",
			"by inbound tcp 22 from pl-0corp0000000000001"},
		{"rdp probe to web", syn(web, "92.63.197.40", "10.0.1.10", 3389, model.ActionReject), model.ActionReject, "nacl", "125",
			"inbound rule 125 denies TCP 3389 from 92.63.197.40 before it reaches an allow (its rule 130 would allow it)"},
	}
	for _, c := range cases {
		v := res.Snapshot.Explain(c.p)
		if consistent, ok := v.Consistent(); !ok || !consistent || v.Expected != c.expected || v.DecidedBy != c.decidedBy ||
			v.NACL.Rule() != c.naclRule || !strings.Contains(v.Reason, c.reason) {
			t.Errorf("%s: expected %v decided by %q at NACL rule %s: %s", c.name, v.Expected, v.DecidedBy, v.NACL.Rule(), v.Reason)
		}
	}
}

// A file named on its own is read whatever its name ends with (the user
// chose it), and an error about it names the file, not its folder.
func TestLoadNamedFile(t *testing.T) {
	dir := t.TempDir()
	sg, err := os.ReadFile(filepath.Join("..", "demo", "rules", "describe-security-groups.json"))
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, "sgs.txt")
	if err := os.WriteFile(saved, sg, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Load(saved)
	if err != nil || len(res.Snapshot.Groups) != 4 {
		t.Fatalf("%s: %v", saved, err)
	}
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("not rules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(notes)
	if err == nil || !strings.HasPrefix(err.Error(), "rules: no describe-* JSON could be read in "+notes+" ") {
		t.Fatalf("%s: %v", notes, err)
	}
}
