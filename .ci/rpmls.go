//go:build ignore

// rpmls lists the files of an .rpm package from its header (name, mode,
// owner, size, time), as `rpm -qlvp` would, for machines without rpm:
//
//	go run .ci/rpmls.go flowtail.rpm
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

type header struct {
	entries map[uint32]entry
	store   []byte
}

type entry struct{ typ, off, count uint32 }

func readHeader(r io.Reader, pad bool) (*header, error) {
	var pre [16]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, err
	}
	if !bytes.Equal(pre[:3], []byte{0x8e, 0xad, 0xe8}) {
		return nil, errors.New("not an rpm header")
	}
	n := binary.BigEndian.Uint32(pre[8:])
	size := binary.BigEndian.Uint32(pre[12:])
	index := make([]byte, 16*n)
	if _, err := io.ReadFull(r, index); err != nil {
		return nil, err
	}
	h := &header{entries: map[uint32]entry{}, store: make([]byte, size)}
	if _, err := io.ReadFull(r, h.store); err != nil {
		return nil, err
	}
	for i := uint32(0); i < n; i++ {
		e := index[16*i:]
		h.entries[binary.BigEndian.Uint32(e)] = entry{binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])}
	}
	if pad && size%8 != 0 { // the signature header is padded to 8 bytes
		io.CopyN(io.Discard, r, int64(8-size%8))
	}
	return h, nil
}

func (h *header) strings(tag uint32) []string {
	e, ok := h.entries[tag]
	if !ok {
		return nil
	}
	var out []string
	b := h.store[e.off:]
	for i := uint32(0); i < e.count; i++ {
		end := bytes.IndexByte(b, 0)
		out = append(out, string(b[:end]))
		b = b[end+1:]
	}
	return out
}

func (h *header) ints(tag uint32) []int64 {
	e, ok := h.entries[tag]
	if !ok {
		return nil
	}
	out := make([]int64, e.count)
	b := h.store[e.off:]
	for i := range out {
		switch e.typ {
		case 3:
			out[i] = int64(binary.BigEndian.Uint16(b[2*i:]))
		case 4:
			out[i] = int64(binary.BigEndian.Uint32(b[4*i:]))
		case 5:
			out[i] = int64(binary.BigEndian.Uint64(b[8*i:]))
		}
	}
	return out
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/rpmls.go FILE.rpm")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	if _, err := io.CopyN(io.Discard, f, 96); err != nil { // the lead
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := readHeader(f, true); err != nil {
		fmt.Fprintln(os.Stderr, "signature:", err)
		os.Exit(1)
	}
	h, err := readHeader(f, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "header:", err)
		os.Exit(1)
	}
	name, ver, rel, arch := h.strings(1000), h.strings(1001), h.strings(1002), h.strings(1022)
	if len(name) == 1 && len(ver) == 1 && len(rel) == 1 && len(arch) == 1 {
		fmt.Printf("%s-%s-%s.%s\n", name[0], ver[0], rel[0], arch[0])
	}
	base, dirs, idx := h.strings(1117), h.strings(1118), h.ints(1116)
	modes, users, groups, times := h.ints(1030), h.strings(1039), h.strings(1040), h.ints(1034)
	sizes := h.ints(5008)
	if sizes == nil {
		sizes = h.ints(1028)
	}
	for i := range base {
		mode := fs.FileMode(modes[i] & 0o777)
		switch modes[i] & 0o170000 {
		case 0o040000:
			mode |= fs.ModeDir
		case 0o120000:
			mode |= fs.ModeSymlink
		}
		fmt.Printf("%s %s/%s %9d %s %s%s\n", mode, users[i], groups[i], sizes[i],
			time.Unix(times[i], 0).UTC().Format("2006-01-02 15:04"), dirs[idx[i]], base[i])
	}
}
