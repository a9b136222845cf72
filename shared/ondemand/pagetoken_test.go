package ondemand

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestPageTokenRoundTrip(t *testing.T) {
	claims := pageClaims{Operation: OpListGrants, Tenant: "acme", ConnectionID: "atlassian-cloud", RunID: "20260102T030405Z-0123456789ab", Shard: 7, LastSK: "G#a#b"}
	token := signPageToken(testKey, claims)
	got, err := verifyPageToken(testKey, token, OpListGrants, &Header{Tenant: "acme", ConnectionID: "atlassian-cloud"})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got != claims {
		t.Errorf("claims = %+v, want %+v", got, claims)
	}
}

func TestPageTokenRejections(t *testing.T) {
	header := &Header{Tenant: "acme", ConnectionID: "atlassian-cloud"}
	claims := pageClaims{Operation: OpListGrants, Tenant: "acme", ConnectionID: "atlassian-cloud", RunID: "r1", Shard: 3}
	token := signPageToken(testKey, claims)
	payload, mac, _ := strings.Cut(strings.TrimPrefix(token, pageTokenPrefix), ".")
	forged := func(c pageClaims) string {
		body := `{"op":"` + c.Operation + `","tenant":"` + c.Tenant + `","connectionId":"` + c.ConnectionID + `","runId":"other","shard":0}`
		return pageTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(body)) + "." + mac
	}
	outOfRange := claims
	outOfRange.Shard = 16
	tests := []struct {
		name      string
		token     string
		operation string
		header    *Header
	}{
		{"empty", "", OpListGrants, header},
		{"no prefix", strings.TrimPrefix(token, pageTokenPrefix), OpListGrants, header},
		{"no MAC", pageTokenPrefix + payload, OpListGrants, header},
		{"MAC of other claims", forged(claims), OpListGrants, header},
		{"MAC not base64", pageTokenPrefix + payload + ".!!", OpListGrants, header},
		{"other key", signPageToken([]byte("another key of at least 32 bytes!"), claims), OpListGrants, header},
		{"other operation", token, OpListEntitlements, header},
		{"other tenant", token, OpListGrants, &Header{Tenant: "globex", ConnectionID: "atlassian-cloud"}},
		{"other connection", token, OpListGrants, &Header{Tenant: "acme", ConnectionID: "atlassian-cloud-2"}},
		{"shard out of range", signPageToken(testKey, outOfRange), OpListGrants, header},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyPageToken(testKey, tt.token, tt.operation, tt.header)
			if err == nil {
				t.Fatal("token accepted, want a rejection")
			}
			if err.Code != CodeInvalidPageToken || err.Field != "pageToken" {
				t.Errorf("error = %+v, want code %s on pageToken", err, CodeInvalidPageToken)
			}
		})
	}
}

func TestPageTokenKeysFromSecret(t *testing.T) {
	sm := localaws.StartSecretsManagerForTest(t)
	ctx := context.Background()
	create := func(name string, in *secretsmanager.CreateSecretInput) string {
		in.Name = aws.String(name)
		out, err := sm.Client().CreateSecret(ctx, in)
		if err != nil {
			t.Fatalf("create secret %s: %v", name, err)
		}
		return aws.ToString(out.ARN)
	}
	hexARN := create("hex", &secretsmanager.CreateSecretInput{SecretString: aws.String(strings.Repeat("ab", 32) + "\n")})
	binaryARN := create("binary", &secretsmanager.CreateSecretInput{SecretBinary: testKey})
	shortARN := create("short", &secretsmanager.CreateSecretInput{SecretString: aws.String("abcd")})
	notHexARN := create("not-hex", &secretsmanager.CreateSecretInput{SecretString: aws.String(strings.Repeat("zz", 32))})
	tests := []struct {
		name    string
		arn     string
		wantLen int
		wantErr string
	}{
		{"hex string", hexARN, 32, ""},
		{"binary", binaryARN, 32, ""},
		{"too short", shortARN, 0, "has 2 bytes"},
		{"not hex", notHexARN, 0, "not hexadecimal"},
		{"missing", "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent", 0, "read the page token key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := &PageTokenKeys{SecretARN: tt.arn, Client: sm.Client()}
			key, err := keys.Key(ctx)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			case len(key) != tt.wantLen:
				t.Errorf("key has %d bytes, want %d", len(key), tt.wantLen)
			}
			if err != nil && strings.Contains(err.Error(), "zzzz") {
				t.Errorf("error contains the secret value: %v", err)
			}
		})
	}
}

func TestPageTokenKeysCached(t *testing.T) {
	sm := localaws.StartSecretsManagerForTest(t)
	ctx := context.Background()
	out, err := sm.Client().CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("key"), SecretBinary: testKey})
	if err != nil {
		t.Fatalf("create secret: %v", err)
	}
	keys := &PageTokenKeys{SecretARN: aws.ToString(out.ARN), Client: sm.Client()}
	if _, err := keys.Key(ctx); err != nil {
		t.Fatalf("first read: %v", err)
	}
	if _, err := sm.Client().DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatalf("delete secret: %v", err)
	}
	if _, err := keys.Key(ctx); err != nil {
		t.Errorf("second read went to Secrets Manager instead of the cache: %v", err)
	}
}

func TestPageTokenKeysFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		arn     string
		hex     string
		wantErr string
	}{
		{"hex", "", strings.Repeat("0f", 32), ""},
		{"secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k", "", ""},
		{"neither", "", "", "neither PAGE_TOKEN_KEY_SECRET_ARN nor PAGE_TOKEN_KEY"},
		{"short hex", "", "0f0f", "has 2 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PAGE_TOKEN_KEY_SECRET_ARN", tt.arn)
			t.Setenv("PAGE_TOKEN_KEY", tt.hex)
			_, err := PageTokenKeysFromEnv(nil)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
