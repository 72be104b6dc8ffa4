package backfill

import (
	"encoding/json"
)

func containsMint(meta []byte, mint int64) bool {
	var m struct {
		MinTime int64 `json:"minTime"`
	}
	return json.Unmarshal(meta, &m) == nil && m.MinTime == mint
}
