package localaws

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func createSecret(t *testing.T, client *secretsmanager.Client, name, value string) *secretsmanager.CreateSecretOutput {
	t.Helper()
	out, err := client.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name:         aws.String(name),
		SecretString: aws.String(value),
	})
	if err != nil {
		t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return out
}

func getValue(client *secretsmanager.Client, input *secretsmanager.GetSecretValueInput) (string, error) {
	out, err := client.GetSecretValue(context.Background(), input)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SecretString), nil
}

func TestSecretsManagerGetByNameAndARN(t *testing.T) {
	client := SecretsManagerForTest(t)
	created := createSecret(t, client, "acme/atlassian-cloud/client", "s3cret")
	arn := aws.ToString(created.ARN)
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:acme/atlassian-cloud/client-") {
		t.Errorf("ARN = %q, want the secret ARN form with a random suffix", arn)
	}
	if created.VersionId == nil {
		t.Errorf("CreateSecret VersionId = nil, want the first version id")
	}

	for _, id := range []string{"acme/atlassian-cloud/client", arn, arn[:len(arn)-7]} {
		value, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Errorf("GetSecretValue(%q): %v", id, err)
			continue
		}
		if value != "s3cret" {
			t.Errorf("GetSecretValue(%q) = %q, want s3cret", id, value)
		}
	}
}

func TestSecretsManagerTypedErrors(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	createSecret(t, client, "existing", "v")

	_, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("existing"), SecretString: aws.String("v")})
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) {
		t.Errorf("CreateSecret duplicate: error = %v, want ResourceExistsException", err)
	}

	_, err = getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("GetSecretValue missing: error = %v, want ResourceNotFoundException", err)
	}

	_, err = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bad name!"), SecretString: aws.String("v")})
	var invalidParameter *types.InvalidParameterException
	if !errors.As(err, &invalidParameter) {
		t.Errorf("CreateSecret invalid name: error = %v, want InvalidParameterException", err)
	}

	_, err = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("both"), SecretString: aws.String("v"), SecretBinary: []byte("b")})
	if !errors.As(err, &invalidParameter) {
		t.Errorf("CreateSecret with string and binary: error = %v, want InvalidParameterException", err)
	}
}

func TestSecretsManagerPutMovesStages(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	first := createSecret(t, client, "tokens", "v1")
	put := func(value string, stages ...string) string {
		t.Helper()
		out, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String("tokens"), SecretString: aws.String(value), VersionStages: stages,
		})
		if err != nil {
			t.Fatalf("PutSecretValue %s: %v", value, err)
		}
		return aws.ToString(out.VersionId)
	}
	second := put("v2")
	third := put("v3")
	pending := put("v4", "AWSPENDING")

	stageTests := []struct {
		stage string
		want  string
	}{
		{"AWSCURRENT", "v3"},
		{"AWSPREVIOUS", "v2"},
		{"AWSPENDING", "v4"},
	}
	for _, tt := range stageTests {
		value, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("tokens"), VersionStage: aws.String(tt.stage)})
		if err != nil {
			t.Errorf("GetSecretValue stage %s: %v", tt.stage, err)
			continue
		}
		if value != tt.want {
			t.Errorf("GetSecretValue stage %s = %q, want %q", tt.stage, value, tt.want)
		}
	}

	value, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("tokens"), VersionId: first.VersionId})
	if err != nil || value != "v1" {
		t.Errorf("GetSecretValue first VersionId = %q, %v; want v1", value, err)
	}
	_, err = getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("tokens"), VersionId: first.VersionId, VersionStage: aws.String("AWSCURRENT")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("GetSecretValue first VersionId with AWSCURRENT: error = %v, want ResourceNotFoundException", err)
	}

	described, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("tokens")})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	wantStages := map[string][]string{
		aws.ToString(first.VersionId): {},
		second:                        {"AWSPREVIOUS"},
		third:                         {"AWSCURRENT"},
		pending:                       {"AWSPENDING"},
	}
	for id, want := range wantStages {
		if got := described.VersionIdsToStages[id]; !slices.Equal(got, want) {
			t.Errorf("VersionIdsToStages[%s] = %v, want %v", id, got, want)
		}
	}
}

func TestSecretsManagerPutIdempotency(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	createSecret(t, client, "pair", "v1")
	token := "11111111-2222-3333-4444-555555555555"
	put := func(value string) (*secretsmanager.PutSecretValueOutput, error) {
		return client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String("pair"), SecretString: aws.String(value), ClientRequestToken: aws.String(token),
		})
	}
	if _, err := put("v2"); err != nil {
		t.Fatalf("first PutSecretValue: %v", err)
	}
	repeated, err := put("v2")
	if err != nil {
		t.Fatalf("repeated PutSecretValue with the same token and value: %v", err)
	}
	if aws.ToString(repeated.VersionId) != token {
		t.Errorf("repeated PutSecretValue VersionId = %q, want %q", aws.ToString(repeated.VersionId), token)
	}
	previous, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("pair"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || previous != "v1" {
		t.Errorf("AWSPREVIOUS after a repeated put = %q, %v; want v1", previous, err)
	}

	_, err = put("v3")
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) {
		t.Errorf("PutSecretValue same token, other value: error = %v, want ResourceExistsException", err)
	}
}

func TestSecretsManagerUpdateSecret(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	createSecret(t, client, "client", "old")
	out, err := client.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{
		SecretId: aws.String("client"), SecretString: aws.String("new"), Description: aws.String("OAuth client"),
	})
	if err != nil {
		t.Fatalf("UpdateSecret: %v", err)
	}
	if out.VersionId == nil {
		t.Errorf("UpdateSecret with a value: VersionId = nil, want the new version")
	}
	value, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("client")})
	if err != nil || value != "new" {
		t.Errorf("value after UpdateSecret = %q, %v; want new", value, err)
	}
	described, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("client")})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	if aws.ToString(described.Description) != "OAuth client" {
		t.Errorf("Description = %q, want OAuth client", aws.ToString(described.Description))
	}
}

func TestSecretsManagerDeleteAndRestore(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	createSecret(t, client, "doomed", "v")

	deleted, err := client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("doomed"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if days := time.Until(aws.ToTime(deleted.DeletionDate)).Hours() / 24; days < 6.9 || days > 7.1 {
		t.Errorf("DeletionDate is %.2f days away, want 7", days)
	}

	var invalidRequest *types.InvalidRequestException
	_, err = getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("doomed")})
	if !errors.As(err, &invalidRequest) {
		t.Errorf("GetSecretValue of a deleted secret: error = %v, want InvalidRequestException", err)
	}
	_, err = client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("doomed"), SecretString: aws.String("w")})
	if !errors.As(err, &invalidRequest) {
		t.Errorf("PutSecretValue of a deleted secret: error = %v, want InvalidRequestException", err)
	}
	_, err = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("doomed"), SecretString: aws.String("w")})
	if !errors.As(err, &invalidRequest) {
		t.Errorf("CreateSecret with the name of a deleted secret: error = %v, want InvalidRequestException", err)
	}
	described, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("doomed")})
	if err != nil {
		t.Fatalf("DescribeSecret of a deleted secret: %v", err)
	}
	if described.DeletedDate == nil {
		t.Errorf("DescribeSecret DeletedDate = nil, want the deletion date")
	}
	if names := listNames(t, client, &secretsmanager.ListSecretsInput{}); slices.Contains(names, "doomed") {
		t.Errorf("ListSecrets = %v, want the deleted secret left out", names)
	}
	if names := listNames(t, client, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)}); !slices.Contains(names, "doomed") {
		t.Errorf("ListSecrets with IncludePlannedDeletion = %v, want doomed", names)
	}

	if _, err := client.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("doomed")}); err != nil {
		t.Fatalf("RestoreSecret: %v", err)
	}
	value, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("doomed")})
	if err != nil || value != "v" {
		t.Errorf("GetSecretValue after RestoreSecret = %q, %v; want v", value, err)
	}
}

func TestSecretsManagerDeleteParameters(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	createSecret(t, client, "kept", "v")
	tests := []struct {
		name  string
		input *secretsmanager.DeleteSecretInput
	}{
		{"window 6 days", &secretsmanager.DeleteSecretInput{SecretId: aws.String("kept"), RecoveryWindowInDays: aws.Int64(6)}},
		{"window 31 days", &secretsmanager.DeleteSecretInput{SecretId: aws.String("kept"), RecoveryWindowInDays: aws.Int64(31)}},
		{"force with window", &secretsmanager.DeleteSecretInput{SecretId: aws.String("kept"), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.DeleteSecret(ctx, tt.input)
			var invalidParameter *types.InvalidParameterException
			if !errors.As(err, &invalidParameter) {
				t.Errorf("DeleteSecret: error = %v, want InvalidParameterException", err)
			}
		})
	}
	if _, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("kept")}); err != nil {
		t.Errorf("GetSecretValue after rejected deletes: %v", err)
	}
}

func TestSecretsManagerForceDelete(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	createSecret(t, client, "gone", "v")
	if _, err := client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("gone"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatalf("DeleteSecret force: %v", err)
	}
	_, err := getValue(client, &secretsmanager.GetSecretValueInput{SecretId: aws.String("gone")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("GetSecretValue after force delete: error = %v, want ResourceNotFoundException", err)
	}
	createSecret(t, client, "gone", "again")
}

func TestSecretsManagerRecoveryWindowEnds(t *testing.T) {
	sm := StartSecretsManagerForTest(t)
	client := sm.Client()
	ctx := context.Background()
	createSecret(t, client, "expiring", "v")
	if _, err := client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("expiring"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	sm.mu.Lock()
	sm.now = func() time.Time { return time.Now().Add(7*24*time.Hour + time.Minute) }
	sm.mu.Unlock()

	_, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("expiring")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("DescribeSecret after the recovery window: error = %v, want ResourceNotFoundException", err)
	}
}

func listNames(t *testing.T, client *secretsmanager.Client, input *secretsmanager.ListSecretsInput) []string {
	t.Helper()
	var names []string
	paginator := secretsmanager.NewListSecretsPaginator(client, input)
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListSecrets: %v", err)
		}
		for _, entry := range page.SecretList {
			names = append(names, aws.ToString(entry.Name))
		}
	}
	slices.Sort(names)
	return names
}

func TestSecretsManagerListSecrets(t *testing.T) {
	client := SecretsManagerForTest(t)
	for _, name := range []string{"acme/a", "acme/b", "acme/c", "globex/a"} {
		createSecret(t, client, name, "v")
	}
	tests := []struct {
		name  string
		input *secretsmanager.ListSecretsInput
		want  []string
	}{
		{"all", &secretsmanager.ListSecretsInput{}, []string{"acme/a", "acme/b", "acme/c", "globex/a"}},
		{"name prefix", &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"acme/"}}}}, []string{"acme/a", "acme/b", "acme/c"}},
		{"negated prefix", &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"!acme/"}}}}, []string{"globex/a"}},
		{"pages of one", &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)}, []string{"acme/a", "acme/b", "acme/c", "globex/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listNames(t, client, tt.input); !slices.Equal(got, tt.want) {
				t.Errorf("ListSecrets names = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSecretsManagerTags(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	_, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("tagged"), SecretString: aws.String("v"),
		Tags: []types.Tag{{Key: aws.String("tenant"), Value: aws.String("acme")}},
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	_, err = client.TagResource(ctx, &secretsmanager.TagResourceInput{
		SecretId: aws.String("tagged"),
		Tags:     []types.Tag{{Key: aws.String("tenant"), Value: aws.String("globex")}, {Key: aws.String("kind"), Value: aws.String("token")}},
	})
	if err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	described, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("tagged")})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	tags := map[string]string{}
	for _, tag := range described.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if tags["tenant"] != "globex" {
		t.Errorf("tag tenant = %q, want globex (replaced)", tags["tenant"])
	}
	if tags["kind"] != "token" {
		t.Errorf("tag kind = %q, want token (added)", tags["kind"])
	}
}

func TestSecretsManagerBinaryValue(t *testing.T) {
	client := SecretsManagerForTest(t)
	ctx := context.Background()
	binary := []byte{0, 1, 2, 0xff}
	if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("binary"), SecretBinary: binary}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("binary")})
	if err != nil {
		t.Fatalf("GetSecretValue: %v", err)
	}
	if !slices.Equal(out.SecretBinary, binary) {
		t.Errorf("SecretBinary = %v, want %v", out.SecretBinary, binary)
	}
	if out.SecretString != nil {
		t.Errorf("SecretString = %q, want nil for a binary secret", *out.SecretString)
	}
}

func TestSecretsManagerStoredSecretValues(t *testing.T) {
	sm := StartSecretsManagerForTest(t)
	client := sm.Client()
	createSecret(t, client, "one", "first-value")
	if _, err := client.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("one"), SecretString: aws.String("second-value")}); err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	createSecret(t, client, "two", "third-value")

	values := sm.StoredSecretValues()
	slices.Sort(values)
	want := []string{"first-value", "second-value", "third-value"}
	if !slices.Equal(values, want) {
		t.Errorf("StoredSecretValues = %v, want %v", values, want)
	}
}

func TestSecretsManagerUnknownOperation(t *testing.T) {
	sm := StartSecretsManagerForTest(t)
	req, err := http.NewRequest(http.MethodPost, sm.URL(), strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "secretsmanager.RotateSecret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.StatusCode)
	}
	if got := resp.Header.Get("X-Amzn-ErrorType"); got != "UnknownOperationException" {
		t.Errorf("X-Amzn-ErrorType = %q, want UnknownOperationException", got)
	}
}
