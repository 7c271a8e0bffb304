package query

import "github.com/flowtail/flowtail/model"

func testNames() *model.Interner { return model.NewInterner() }
