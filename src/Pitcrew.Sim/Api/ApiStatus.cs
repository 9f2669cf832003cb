namespace Pitcrew.Sim.Api;

/// <summary>A metav1.Status failure, the body every error response carries.</summary>
internal sealed class ApiStatus(int code, string reason, string message, string? name = null, string? kind = null) : Exception(message)
{
    public int Code { get; } = code;

    /// <summary>Seconds a client should wait before retrying; sent as Retry-After only when positive.</summary>
    public int RetryAfterSeconds { get; init; }

    /// <summary>Machine-readable causes: (reason, message).</summary>
    public IReadOnlyList<(string Reason, string Message)> Causes { get; init; } = [];

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = reason,
            ["code"] = Code,
        };
        if (name is not null || kind is not null || Causes.Count > 0 || RetryAfterSeconds > 0)
        {
            var details = new JsonObject { ["name"] = name, ["kind"] = kind };
            if (Causes.Count > 0)
            {
                details["causes"] = new JsonArray([.. Causes.Select(c => (JsonNode?)new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message })]);
            }

            if (RetryAfterSeconds > 0)
            {
                details["retryAfterSeconds"] = RetryAfterSeconds;
            }

            json["details"] = details;
        }

        return json;
    }

    public static ApiStatus NotFound(ApiResource resource, string name) =>
        new(404, "NotFound", $"{Qualified(resource)} \"{name}\" not found", name, resource.Name);

    public static ApiStatus UnknownPath() =>
        new(404, "NotFound", "the server could not find the requested resource");

    public static ApiStatus AlreadyExists(ApiResource resource, string name) =>
        new(409, "AlreadyExists", $"{Qualified(resource)} \"{name}\" already exists", name, resource.Name);

    public static ApiStatus Conflict(ApiResource resource, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource)} \"{name}\": {why}", name, resource.Name);

    /// <summary>422 Invalid for the object (or ListOptions) named, listing each field's error as kube-apiserver does.</summary>
    public static ApiStatus Invalid(string qualifiedKind, string name, IReadOnlyList<FieldError> errors)
    {
        var list = errors.Select(e => e.ToString()).ToList();
        var detail = list.Count == 1 ? list[0] : $"[{string.Join(", ", list)}]";
        return new ApiStatus(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {detail}", name, qualifiedKind.Split('.')[0])
        {
            Causes = [.. errors.Select(e => (e.Reason, e.ToString()))],
        };
    }

    public static ApiStatus BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiStatus MethodNotAllowed(string verb, ApiResource resource) =>
        new(405, "MethodNotAllowed", $"{verb} is not supported on resources of kind \"{Qualified(resource)}\"");

    public static ApiStatus Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiStatus Unavailable(string why) => new(503, "ServiceUnavailable", why);

    private static string Qualified(ApiResource resource) => resource.Group.Length == 0 ? resource.Name : $"{resource.Name}.{resource.Group}";
}

/// <summary>One field's validation error: the field path, its type ("Required value", "Forbidden") and the detail.</summary>
internal sealed record FieldError(string Field, string Type, string Detail)
{
    public static FieldError Required(string field) => new(field, "Required value", string.Empty);

    public static FieldError Forbidden(string field, string detail) => new(field, "Forbidden", detail);

    /// <summary>The cause reason, e.g. FieldValueRequired.</summary>
    public string Reason => Type switch
    {
        "Required value" => "FieldValueRequired",
        "Forbidden" => "FieldValueForbidden",
        "Unsupported value" => "FieldValueNotSupported",
        _ => "FieldValueInvalid",
    };

    public override string ToString() => Detail.Length == 0 ? $"{Field}: {Type}" : $"{Field}: {Type}: {Detail}";
}
