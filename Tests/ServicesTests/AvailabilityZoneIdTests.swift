import Services
import Testing

@Suite struct AvailabilityZoneIdTests {
    /// AWS's published zone-id prefixes for a sample of regions; the zone letter gives the number.
    @Test(arguments: [
        ("us-east-1a", "use1-az1"), ("us-east-1c", "use1-az3"), ("us-west-2b", "usw2-az2"),
        ("eu-central-1a", "euc1-az1"), ("ap-southeast-2c", "apse2-az3"), ("ap-northeast-1a", "apne1-az1"),
        ("sa-east-1b", "sae1-az2"), ("us-gov-west-1a", "usgw1-az1"), ("cn-north-1a", "cnn1-az1"),
        ("il-central-1a", "ilc1-az1"),
    ])
    func zoneIdFollowsAWSForm(zone: String, id: String) {
        #expect(AvailabilityZoneId.of(zone: zone) == id)
    }
}
