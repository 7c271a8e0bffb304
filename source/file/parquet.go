package file

import (
	"os"

	"github.com/flowtail/flowtail/source"
)

// readParquet reads a Parquet file through its row groups (it needs the
// file itself: Parquet is read from its end and at any offset).
func (s *Source) readParquet(f *os.File, origin string, emit source.Emit, stop func() error) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	return s.env.ReadParquet(f, info.Size(), origin, s.opt.Columns, emit, stop)
}
