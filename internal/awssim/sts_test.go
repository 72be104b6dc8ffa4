package awssim

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestGetCallerIdentity(t *testing.T) {
	s := startSim(t, Options{AccountID: "444455556666"})
	out, err := sts.NewFromConfig(awsConfig(t, s)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "444455556666" || aws.ToString(out.Arn) != "arn:aws:iam::444455556666:user/awssim" || aws.ToString(out.UserId) == "" {
		t.Errorf("identity %s %s %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
}

func TestAssumeRole(t *testing.T) {
	s := startSim(t, Options{})
	cfg := awsConfig(t, s)
	stsc := sts.NewFromConfig(cfg)
	role := "arn:aws:iam::210987654321:role/team/rds-reader"
	ar, err := stsc.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("exporter")})
	if err != nil {
		t.Fatal(err)
	}
	if c := ar.Credentials; c == nil || aws.ToString(c.AccessKeyId) == "" || aws.ToString(c.SecretAccessKey) == "" || c.Expiration == nil {
		t.Fatalf("credentials %+v", ar.Credentials)
	}
	if got := aws.ToString(ar.AssumedRoleUser.Arn); got != "arn:aws:sts::210987654321:assumed-role/rds-reader/exporter" {
		t.Errorf("assumed role ARN %s", got)
	}

	// The credentials provider users configure for cross-account roles works,
	// and the simulator knows who the assumed credentials belong to.
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsc, role))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "210987654321" {
		t.Errorf("caller account %s, want the role's", aws.ToString(id.Account))
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	s := startSim(t, Options{})
	c := sts.NewFromConfig(awsConfig(t, s, noRetries()))
	cases := []struct {
		name string
		in   sts.AssumeRoleInput
	}{
		{"not a role ARN", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::12345:user/x"), RoleSessionName: aws.String("s")}},
		{"duration too short", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::210987654321:role/r"), RoleSessionName: aws.String("s"), DurationSeconds: aws.Int32(60)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.AssumeRole(context.Background(), &tc.in); errorCode(err) != "ValidationError" {
				t.Errorf("error %v, want ValidationError", err)
			}
		})
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	s := startSim(t, Options{})
	t.Setenv("AWS_ENDPOINT_URL", s.URL())
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("STS: %v", err)
	}
	if _, err := rds.NewFromConfig(cfg).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{}); err != nil {
		t.Errorf("RDS: %v", err)
	}
	if _, err := cloudwatch.NewFromConfig(cfg).GetMetricData(context.Background(), smallGMD()); err != nil {
		t.Errorf("CloudWatch: %v", err)
	}
	if got := s.Counters().Requests; got["GetCallerIdentity"] != 1 || got["DescribeDBInstances"] != 1 || got["GetMetricData"] != 1 {
		t.Errorf("requests %v", got)
	}
}
