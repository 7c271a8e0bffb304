package file

import (
	"os"

	"github.com/flowtail/flowtail/source"
)

// readParquet reads a Parquet file through its row groups.
func (s *Source) readParquet(f *os.File, origin string, emit source.Emit, stop func() error) error {
	return ErrParquet
}
