package remotewrite_test

import "fmt"

func arnOf(i int) string { return fmt.Sprintf("arn:aws:rds:us-east-1:123456789012:db:db-%d", i) }
