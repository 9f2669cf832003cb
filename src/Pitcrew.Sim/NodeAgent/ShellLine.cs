using System.Text;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>One command with its words and an optional output redirection (&gt; FILE, &gt;&gt; FILE).</summary>
internal sealed record SimpleCommand(IReadOnlyList<string> Words, string? RedirectTo, bool Append);

/// <summary>Commands joined by |, run after the operator that links it to the previous pipeline (null for the first, &amp;&amp;, || or ;).</summary>
internal sealed record Pipeline(string? After, IReadOnlyList<SimpleCommand> Commands);

/// <summary>
/// The part of POSIX shell syntax runbook lines use: words with single and double quotes and backslashes, pipelines,
/// &amp;&amp; || ; and newlines, &gt; and &gt;&gt; redirections (2&gt;&amp;1 and 2&gt;/dev/null are accepted and ignored).
/// </summary>
internal static class ShellLine
{
    private static readonly string[] Operators = ["2>&1", "&&", "||", ">>", "2>", ";", "|", ">", "\n"];

    public static IReadOnlyList<Pipeline> Parse(string line)
    {
        var pipelines = new List<Pipeline>();
        var commands = new List<SimpleCommand>();
        var words = new List<string>();
        string? after = null;
        string? redirect = null;
        var append = false;
        var expectTarget = false;
        var dropTarget = false;

        void EndCommand()
        {
            if (words.Count > 0)
            {
                commands.Add(new SimpleCommand([.. words], redirect, append));
            }
            else if (redirect is not null || commands.Count > 0)
            {
                throw new FormatException("syntax error: a command is missing");
            }

            words.Clear();
            redirect = null;
            append = false;
        }

        void EndPipeline(string? next)
        {
            EndCommand();
            if (commands.Count > 0)
            {
                pipelines.Add(new Pipeline(after, [.. commands]));
            }
            else if (next is "&&" or "||" or "|")
            {
                throw new FormatException($"syntax error near unexpected token `{next}'");
            }

            commands.Clear();
            after = next;
        }

        foreach (var (token, isOperator) in Tokens(line))
        {
            if (expectTarget)
            {
                if (isOperator)
                {
                    throw new FormatException($"syntax error near unexpected token `{token}'");
                }

                if (!dropTarget)
                {
                    redirect = token;
                }

                expectTarget = false;
                dropTarget = false;
                continue;
            }

            switch (isOperator ? token : null)
            {
                case "&&" or "||" or ";" or "\n":
                    EndPipeline(token == "\n" ? ";" : token);
                    break;
                case "|":
                    EndCommand();
                    if (commands.Count == 0)
                    {
                        throw new FormatException("syntax error near unexpected token `|'");
                    }

                    break;
                case ">" or ">>":
                    append = token == ">>";
                    expectTarget = true;
                    break;
                case "2>&1":
                    break;
                case "2>":
                    // 2>/dev/null and friends: standard error is not redirected in the sim, the target is dropped.
                    expectTarget = true;
                    dropTarget = true;
                    break;
                default:
                    words.Add(token);
                    break;
            }
        }

        if (expectTarget)
        {
            throw new FormatException("syntax error near unexpected token `newline'");
        }

        EndPipeline(null);
        return pipelines;
    }

    private static IEnumerable<(string Token, bool Operator)> Tokens(string line)
    {
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c is ' ' or '\t' || c is '\n' or ';' or '&' or '|' or '>' || (c == '2' && !inWord && i + 1 < line.Length && line[i + 1] == '>'))
            {
                if (inWord)
                {
                    yield return (word.ToString(), false);
                    word.Clear();
                    inWord = false;
                }

                if (c is ' ' or '\t')
                {
                    continue;
                }

                var rest = line[i..];
                var op = Operators.FirstOrDefault(o => rest.StartsWith(o, StringComparison.Ordinal))
                    ?? throw new FormatException($"syntax error near unexpected token `{c}'");
                yield return (op, true);
                i += op.Length - 1;
                continue;
            }

            inWord = true;
            switch (c)
            {
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException("unterminated quoted string");
                    }

                    word.Append(line, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    i++;
                    for (; i < line.Length && line[i] != '"'; i++)
                    {
                        if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                        {
                            i++;
                        }

                        word.Append(line[i]);
                    }

                    if (i >= line.Length)
                    {
                        throw new FormatException("unterminated quoted string");
                    }

                    break;
                case '\\' when i + 1 < line.Length:
                    word.Append(line[++i]);
                    break;
                default:
                    word.Append(c);
                    break;
            }
        }

        if (inWord)
        {
            yield return (word.ToString(), false);
        }
    }
}
