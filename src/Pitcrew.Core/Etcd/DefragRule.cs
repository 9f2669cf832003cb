using System.Globalization;

namespace Pitcrew.Etcd;

/// <summary>What a defrag rule sees of one member: its file, the part in use, and the backend quota.</summary>
public sealed record DefragRuleInput(long DbSize, long DbSizeInUse, long DbQuota)
{
    public double Value(string variable) => variable switch
    {
        "dbSize" => DbSize,
        "dbSizeInUse" => DbSizeInUse,
        "dbQuota" => DbQuota,
        "dbQuotaUsage" => DbQuota > 0 ? (double)DbSize / DbQuota : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(variable), variable, "not a rule variable"),
    };
}

/// <summary>
/// A boolean expression deciding whether a member is worth defragmenting, spelled as ahrtr/etcd-defrag's --defrag-rule:
/// the variables dbSize, dbSizeInUse, dbQuota (bytes) and dbQuotaUsage (dbSize / dbQuota, 0..1), numbers, the
/// arithmetic operators + - * / %, the comparisons == != &lt; &lt;= &gt; &gt;=, the logic operators &amp;&amp; || !, and parentheses,
/// with Go's precedence. Arithmetic is on real numbers. Parsed and type-checked once; a rule that does not parse or is
/// not boolean is a usage error naming the position.
/// </summary>
public sealed class DefragRule
{
    public const string DefaultText = "dbSize - dbSizeInUse >= 100*1000*1000 || dbSize - dbSizeInUse >= dbSize/10";
    public static readonly IReadOnlyList<string> Variables = ["dbSize", "dbSizeInUse", "dbQuota", "dbQuotaUsage"];

    private readonly Node _root;

    private DefragRule(string text, Node root)
    {
        Text = text;
        _root = root;
    }

    /// <summary>The rule as written.</summary>
    public string Text { get; }

    /// <summary>The default: at least 100 MB free, or at least 10% of the file free.</summary>
    public static DefragRule Default { get; } = Parse(DefaultText);

    public static DefragRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var root = parser.ParseRule();
        if (root.Type != ValueType.Boolean)
        {
            throw new PitcrewException($"defrag rule \"{text}\" is not a condition: it gives a number; compare it, e.g. \"{text} > 0\"", ExitCodes.Usage);
        }

        return new DefragRule(text, root);
    }

    public bool Evaluate(DefragRuleInput input) => _root.Evaluate(input) != 0;

    private enum ValueType
    {
        Number,
        Boolean,
    }

    private abstract record Node(ValueType Type)
    {
        public abstract double Evaluate(DefragRuleInput input);
    }

    private sealed record NumberNode(double Value) : Node(ValueType.Number)
    {
        public override double Evaluate(DefragRuleInput input) => Value;
    }

    private sealed record VariableNode(string Name) : Node(ValueType.Number)
    {
        public override double Evaluate(DefragRuleInput input) => input.Value(Name);
    }

    private sealed record UnaryNode(string Op, Node Operand, ValueType Result) : Node(Result)
    {
        public override double Evaluate(DefragRuleInput input) => Op == "!" ? (Operand.Evaluate(input) != 0 ? 0 : 1) : -Operand.Evaluate(input);
    }

    private sealed record BinaryNode(string Op, Node Left, Node Right, ValueType Result) : Node(Result)
    {
        public override double Evaluate(DefragRuleInput input)
        {
            // && and || short-circuit as Go's do.
            if (Op == "&&")
            {
                return Left.Evaluate(input) != 0 && Right.Evaluate(input) != 0 ? 1 : 0;
            }

            if (Op == "||")
            {
                return Left.Evaluate(input) != 0 || Right.Evaluate(input) != 0 ? 1 : 0;
            }

            var (a, b) = (Left.Evaluate(input), Right.Evaluate(input));
            return Op switch
            {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "/" => b == 0 ? throw new PitcrewException("defrag rule divides by zero (is dbQuota 0?)", ExitCodes.Usage) : a / b,
                "%" => b == 0 ? throw new PitcrewException("defrag rule takes a remainder by zero", ExitCodes.Usage) : a % b,
                "==" => a == b ? 1 : 0,
                "!=" => a != b ? 1 : 0,
                "<" => a < b ? 1 : 0,
                "<=" => a <= b ? 1 : 0,
                ">" => a > b ? 1 : 0,
                ">=" => a >= b ? 1 : 0,
                _ => throw new InvalidOperationException(Op),
            };
        }
    }

    /// <summary>Recursive descent over Go's binary precedence: || &lt; &amp;&amp; &lt; comparisons &lt; + - &lt; * / %.</summary>
    private sealed class Parser(string text)
    {
        private static readonly string[][] Levels = [["||"], ["&&"], ["==", "!=", "<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%"]];
        private int _at;

        public Node ParseRule()
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw Error("is empty");
            }

            var node = Binary(0);
            SkipSpace();
            if (_at < text.Length && text[_at] == '=')
            {
                throw Error($"has a single \"=\" at position {_at + 1}: compare with ==");
            }

            return _at < text.Length ? throw Error($"has \"{text[_at..]}\" left over at position {_at + 1}") : node;
        }

        private Node Binary(int level)
        {
            if (level == Levels.Length)
            {
                return Unary();
            }

            var left = Binary(level + 1);
            while (TakeOperator(Levels[level]) is { } op)
            {
                var position = _at;
                var right = Binary(level + 1);
                left = Combine(op, left, right, position);
            }

            return left;
        }

        private BinaryNode Combine(string op, Node left, Node right, int position)
        {
            var logic = op is "&&" or "||";
            var wanted = logic ? ValueType.Boolean : ValueType.Number;
            if (left.Type != wanted || right.Type != wanted)
            {
                throw Error(logic
                    ? $"uses {op} on a number at position {position}: both sides must be conditions"
                    : $"uses {op} on a condition at position {position}: both sides must be numbers");
            }

            var result = op is "+" or "-" or "*" or "/" or "%" ? ValueType.Number : ValueType.Boolean;
            return new BinaryNode(op, left, right, result);
        }

        private Node Unary()
        {
            SkipSpace();
            var position = _at;
            if (TakeOperator(["!"]) is not null)
            {
                var operand = Unary();
                return operand.Type == ValueType.Boolean ? new UnaryNode("!", operand, ValueType.Boolean) : throw Error($"uses ! on a number at position {position + 1}");
            }

            if (TakeOperator(["-"]) is not null)
            {
                var operand = Unary();
                return operand.Type == ValueType.Number ? new UnaryNode("-", operand, ValueType.Number) : throw Error($"negates a condition at position {position + 1}");
            }

            return Primary();
        }

        private Node Primary()
        {
            SkipSpace();
            if (_at >= text.Length)
            {
                throw Error("ends where a number, a variable or \"(\" was expected");
            }

            var c = text[_at];
            if (c == '(')
            {
                _at++;
                var inner = Binary(0);
                SkipSpace();
                if (_at >= text.Length || text[_at] != ')')
                {
                    throw Error($"misses a \")\" at position {_at + 1}");
                }

                _at++;
                return inner;
            }

            var start = _at;
            if (char.IsAsciiDigit(c) || c == '.')
            {
                while (_at < text.Length && (char.IsAsciiDigit(text[_at]) || text[_at] == '.'))
                {
                    _at++;
                }

                return double.TryParse(text[start.._at], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                    ? new NumberNode(number)
                    : throw Error($"has a malformed number \"{text[start.._at]}\" at position {start + 1}");
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_'))
                {
                    _at++;
                }

                var name = text[start.._at];
                return Variables.Contains(name)
                    ? new VariableNode(name)
                    : throw Error($"names an unknown variable \"{name}\" at position {start + 1}; known: {string.Join(", ", Variables)}");
            }

            throw Error($"has an unexpected \"{c}\" at position {start + 1}");
        }

        private string? TakeOperator(string[] operators)
        {
            SkipSpace();
            foreach (var op in operators)
            {
                if (string.CompareOrdinal(text, _at, op, 0, op.Length) != 0)
                {
                    continue;
                }

                // "<" must not take the start of "<=", "!" not of "!=", "&&"/"||" must be whole.
                var next = _at + op.Length < text.Length ? text[_at + op.Length] : '\0';
                if ((op is "<" or ">" or "!" && next == '=') || (op == "!" && _at + 1 < text.Length && text[_at + 1] == '='))
                {
                    continue;
                }

                _at += op.Length;
                return op;
            }

            return null;
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        private PitcrewException Error(string what) => new($"defrag rule \"{text}\" {what}", ExitCodes.Usage);
    }
}
