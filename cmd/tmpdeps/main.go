package main
import (
 _ "github.com/aws/aws-lambda-go/lambda"
 _ "github.com/aws/aws-sdk-go-v2/config"
 _ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
 _ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
 _ "github.com/aws/aws-sdk-go-v2/service/sfn"
 _ "github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
 _ "golang.org/x/oauth2"
 _ "golang.org/x/time/rate"
 _ "github.com/getkin/kin-openapi/openapi3"
)
func main(){}
