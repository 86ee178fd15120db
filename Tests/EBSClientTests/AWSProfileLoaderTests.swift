import AWSSigV4
import Testing

@testable import EBSClient

@Suite("AWS credentials and config files")
struct AWSProfileLoaderTests {
    static let credentials = """
        # comment
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = secretdefault

        [blocksnap]
        AWS_ACCESS_KEY_ID=AKIDBLOCKSNAP\r
        aws_secret_access_key = secret/with+slash==\r
        region = eu-west-3
        ; other comment
        [half]
        aws_access_key_id = AKIDHALF
        """

    static let config = """
        [default]
        region = us-west-2

        [profile blocksnap]
        endpoint_url = http://127.0.0.1:8788
        s3 =
          max_concurrent_requests = 20
        [profile tokened]
        aws_access_key_id = AKIDCONFIG
        aws_secret_access_key = secretconfig
        aws_session_token = token123
        region = ap-south-1
        [profile role]
        role_arn = arn:aws:iam::123456789012:role/x
        source_profile = default
        """

    func loader(_ environment: [String: String] = [:]) -> AWSProfileLoader {
        let files = [
            "/home/u/.aws/credentials": Self.credentials, "/home/u/.aws/config": Self.config,
            "/elsewhere/creds": "[default]\naws_access_key_id = AKIDELSEWHERE\naws_secret_access_key = s\n",
        ]
        return AWSProfileLoader(environment: environment, homeDirectory: "/home/u") { files[$0] }
    }

    @Test func iniParsing() {
        let ini = AWSIniFile(parsing: Self.config)
        #expect(ini.configProfile("default")?["region"] == "us-west-2")
        #expect(ini.configProfile("blocksnap")?["endpoint_url"] == "http://127.0.0.1:8788")
        #expect(ini.configProfile("blocksnap")?["max_concurrent_requests"] == nil)
        #expect(ini.configProfile("missing") == nil)
        let creds = AWSIniFile(parsing: Self.credentials)
        #expect(creds.credentialsProfile("blocksnap")?["aws_access_key_id"] == "AKIDBLOCKSNAP")
        #expect(creds.credentialsProfile("blocksnap")?["aws_secret_access_key"] == "secret/with+slash==")
    }

    @Test func defaultProfileWithConfigRegion() throws {
        let settings = try loader().resolve(profile: nil, region: nil, endpoint: nil)
        #expect(settings.credentials == SigV4Credentials(accessKeyId: "AKIDDEFAULT", secretAccessKey: "secretdefault"))
        #expect(settings.region == "us-west-2")
        #expect(settings.ebsEndpoint.description == "https://ebs.us-west-2.amazonaws.com")
        #expect(settings.ec2Endpoint.description == "https://ec2.us-west-2.amazonaws.com")
        #expect(settings.credentialSource == "profile default")
    }

    @Test func environmentKeysWinWithoutProfileOption() throws {
        let env = [
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok",
            "AWS_PROFILE": "blocksnap",
        ]
        let settings = try loader(env).resolve(profile: nil, region: nil, endpoint: nil)
        #expect(
            settings.credentials
                == SigV4Credentials(accessKeyId: "AKIDENV", secretAccessKey: "envsecret", sessionToken: "tok"))
        #expect(settings.credentialSource == "environment")
        // Region and endpoint still come from AWS_PROFILE's sections.
        #expect(settings.region == "eu-west-3")
        #expect(settings.ebsEndpoint.description == "http://127.0.0.1:8788")
    }

    @Test func profileOptionBeatsEnvironmentKeys() throws {
        let env = ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"]
        let settings = try loader(env).resolve(profile: "blocksnap", region: nil, endpoint: nil)
        #expect(settings.credentials.accessKeyId == "AKIDBLOCKSNAP")
        #expect(settings.region == "eu-west-3")
        #expect(settings.ebsEndpoint == AWSEndpoint(scheme: "http", authority: "127.0.0.1:8788", basePath: ""))
        #expect(settings.ec2Endpoint == settings.ebsEndpoint)
    }

    @Test func configFileCredentialsAndSessionToken() throws {
        let settings = try loader().resolve(profile: "tokened", region: nil, endpoint: nil)
        #expect(settings.credentials.sessionToken == "token123")
        #expect(settings.region == "ap-south-1")
    }

    @Test func regionPrecedence() throws {
        #expect(
            try loader(["AWS_DEFAULT_REGION": "ca-central-1"]).resolve(profile: nil, region: nil, endpoint: nil).region
                == "ca-central-1")
        #expect(
            try loader(["AWS_REGION": "sa-east-1", "AWS_DEFAULT_REGION": "ca-central-1"]).resolve(
                profile: nil, region: nil, endpoint: nil
            ).region == "sa-east-1")
        #expect(
            try loader(["AWS_REGION": "sa-east-1"]).resolve(profile: nil, region: "eu-north-1", endpoint: nil).region
                == "eu-north-1")
        let none = AWSProfileLoader(
            environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"], homeDirectory: "/nowhere"
        ) { _ in nil }
        #expect(try none.resolve(profile: nil, region: nil, endpoint: nil).region == "us-east-1")
    }

    @Test func endpointPrecedence() throws {
        let env = ["AWS_ENDPOINT_URL": "http://generic:1", "AWS_ENDPOINT_URL_EC2": "http://ec2only:2"]
        let settings = try loader(env).resolve(profile: "blocksnap", region: nil, endpoint: nil)
        #expect(settings.ebsEndpoint.description == "http://generic:1")
        #expect(settings.ec2Endpoint.description == "http://ec2only:2")
        let option = try loader(env).resolve(profile: "blocksnap", region: nil, endpoint: "http://cli:3/")
        #expect(option.ebsEndpoint.description == "http://cli:3")
        #expect(option.ec2Endpoint.description == "http://cli:3")
    }

    @Test func filePathsFromEnvironment() throws {
        let settings = try loader(["AWS_SHARED_CREDENTIALS_FILE": "/elsewhere/creds", "AWS_CONFIG_FILE": "/none"])
            .resolve(profile: nil, region: nil, endpoint: nil)
        #expect(settings.credentials.accessKeyId == "AKIDELSEWHERE")
        #expect(settings.region == "us-east-1")
    }

    @Test func failures() {
        #expect(
            throws: AWSConfigurationError.profileNotFound(
                profile: "nope", searched: ["/home/u/.aws/credentials", "/home/u/.aws/config"])
        ) {
            try loader().resolve(profile: "nope", region: nil, endpoint: nil)
        }
        #expect(
            throws: AWSConfigurationError.profileNotFound(
                profile: "nope", searched: ["/home/u/.aws/credentials", "/home/u/.aws/config"])
        ) {
            try loader(["AWS_PROFILE": "nope"]).resolve(profile: nil, region: nil, endpoint: nil)
        }
        #expect(throws: AWSConfigurationError.incompleteCredentials(profile: "half", file: "/home/u/.aws/credentials"))
        {
            try loader().resolve(profile: "half", region: nil, endpoint: nil)
        }
        #expect(throws: AWSConfigurationError.unsupportedCredentialSource(profile: "role", setting: "role_arn")) {
            try loader().resolve(profile: "role", region: nil, endpoint: nil)
        }
        let empty = AWSProfileLoader(environment: [:], homeDirectory: "/h") { _ in nil }
        #expect(
            throws: AWSConfigurationError.missingCredentials(
                profile: "default", searched: ["/h/.aws/credentials", "/h/.aws/config"])
        ) {
            try empty.resolve(profile: nil, region: nil, endpoint: nil)
        }
        #expect(throws: AWSConfigurationError.invalidEndpoint("ftp://x")) {
            try loader().resolve(profile: nil, region: nil, endpoint: "ftp://x")
        }
    }

    @Test func endpoints() throws {
        let local = try AWSEndpoint(parsing: " http://127.0.0.1:8788/ ")
        #expect(local == AWSEndpoint(scheme: "http", authority: "127.0.0.1:8788", basePath: ""))
        #expect(
            try AWSEndpoint(parsing: "HTTPS://ebs.example.com:443/prefix/").description
                == "https://ebs.example.com/prefix")
        #expect(try AWSEndpoint(parsing: "http://[::1]:80").authority == "[::1]")
        #expect(try AWSEndpoint(parsing: "http://host:8080").authority == "host:8080")
        #expect(
            AWSEndpoint.aws(service: "ebs", region: "cn-north-1").description
                == "https://ebs.cn-north-1.amazonaws.com.cn")
        for bad in ["127.0.0.1:8788", "http://", "http://user@host", "s3://bucket"] {
            #expect(throws: AWSConfigurationError.self) { try AWSEndpoint(parsing: bad) }
        }
    }
}
