package localaws

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region, AccessKeyID and SecretAccessKey are the dummy settings for local
// runs. The local endpoints accept any signature.
const (
	Region          = "us-east-1"
	AccessKeyID     = "local"
	SecretAccessKey = "local"
	// AccountID is the account in the ARNs the local endpoints create.
	AccountID = "123456789012"
)

// LocalConfig returns an SDK configuration with the dummy region and static
// credentials. It reads no environment variables or shared files, so a
// developer's AWS profile can never be used by a test.
func LocalConfig() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	}
}
