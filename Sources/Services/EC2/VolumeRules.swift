import BlockSnapCore

/// EC2's per-type limits for volume size, IOPS and throughput.
enum VolumeRules {
    static let types = ["standard", "gp2", "gp3", "io1", "io2", "st1", "sc1"]

    static func sizeRange(_ type: String) -> ClosedRange<Int64> {
        switch type {
        case "io1": 4...16384
        case "io2": 4...65536
        case "gp2": 1...16384
        case "gp3": 1...65536
        case "st1", "sc1": 125...16384
        default: 1...1024
        }
    }

    /// The types that support Multi-Attach on AWS.
    static let multiAttachTypes: Set<String> = ["io1", "io2"]

    /// Refuses Multi-Attach: a volume here attaches to one instance at a time, so a volume
    /// created or modified with it would not do what it says.
    static func refuseMultiAttach() throws -> Never {
        throw ServiceError(
            .invalidParameterValue,
            "Multi-Attach is not supported by this server yet: a volume attaches to one instance at a time.")
    }

    /// The model's range for VolumeInitializationRate (MiB/s).
    static let initializationRates = 100...300

    /// VolumeInitializationRate: only for a volume from a snapshot, within 100–300 MiB/s.
    static func validateInitializationRate(_ rate: Int?, fromSnapshot: Bool) throws {
        guard let rate else { return }
        guard fromSnapshot else {
            throw ServiceError(
                .invalidParameterCombination, "The parameter VolumeInitializationRate is only valid with SnapshotId.")
        }
        guard initializationRates.contains(rate) else {
            throw ServiceError(
                .invalidParameterValue,
                "Value (\(rate)) for parameter VolumeInitializationRate is invalid. It must be between "
                    + "\(initializationRates.lowerBound) and \(initializationRates.upperBound) MiB/s.")
        }
    }

    /// Limits as botocore's ec2 model documents them for CreateVolume.
    /// Validates type, size, IOPS and throughput together; returns the effective IOPS/throughput.
    static func validate(type: String, sizeGiB: Int64, iops: Int?, throughput: Int?) throws -> (iops: Int?, throughput: Int?) {
        guard types.contains(type) else {
            throw ServiceError(.invalidParameterValue, "Value (\(type)) for parameter volumeType is invalid.")
        }
        let range = sizeRange(type)
        guard range.contains(sizeGiB) else {
            throw ServiceError(
                .invalidParameterValue,
                "Volume of \(sizeGiB)GiB is out of range for \(type): \(range.lowerBound) to \(range.upperBound) GiB.")
        }
        switch type {
        case "gp3":
            let effective = iops ?? 3000
            guard (3000...80000).contains(effective) else {
                throw ServiceError(.invalidParameterValue, "The parameter iops must be between 3000 and 80000 for gp3.")
            }
            let rate = throughput ?? 125
            guard (125...2000).contains(rate) else {
                throw ServiceError(.invalidParameterValue, "The parameter throughput must be between 125 and 2000 for gp3.")
            }
            // Above the baseline (3,000 IOPS, 125 MiB/s, whatever the size) the ratios bound them.
            if effective > 3000 { try checkIopsRatio(effective, sizeGiB: sizeGiB, maximum: 500) }
            if rate > 125, Double(rate) / Double(effective) > 0.25 {
                throw ServiceError(
                    .invalidParameterValue,
                    "Throughput (MiBps) to iops ratio of \(sixDecimals(Double(rate) / Double(effective))) is too high; "
                        + "maximum is 0.250000 MiBps per iops")
            }
            return (effective, rate)
        case "io1", "io2":
            guard let iops else {
                throw ServiceError(.missingParameter, "The request must contain the parameter iops")
            }
            let maximum = type == "io1" ? 64000 : 256_000
            guard (100...maximum).contains(iops) else {
                throw ServiceError(.invalidParameterValue, "The parameter iops must be between 100 and \(maximum) for \(type).")
            }
            guard throughput == nil else {
                throw ServiceError(.invalidParameterCombination, "Throughput is only valid for gp3 volumes.")
            }
            try checkIopsRatio(iops, sizeGiB: sizeGiB, maximum: type == "io1" ? 50 : 1000)
            return (iops, nil)
        default:
            guard iops == nil, throughput == nil else {
                throw ServiceError(
                    .invalidParameterCombination, "The parameters iops and throughput are not supported for \(type) volumes.")
            }
            return (type == "gp2" ? Int(max(100, min(16000, sizeGiB * 3))) : nil, nil)
        }
    }

    /// Provisioned IOPS per GiB may not exceed `maximum` (gp3 500, io1 50, io2 1000).
    private static func checkIopsRatio(_ iops: Int, sizeGiB: Int64, maximum: Int) throws {
        guard Int64(iops) > Int64(maximum) * sizeGiB else { return }
        throw ServiceError(
            .invalidParameterValue,
            "Iops to volume size ratio of \(sixDecimals(Double(iops) / Double(sizeGiB))) is too high; maximum is \(maximum)")
    }

    /// A ratio as EC2's messages print it, with six decimals.
    static func sixDecimals(_ value: Double) -> String {
        let micros = Int64((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
