namespace Pitcrew.Restore.Bolt;

/// <summary>
/// Bulk-loads one B+tree from keys given in ascending order: leaves are written as they fill, each finished page
/// becomes an element of the level above, so only one page per level is ever held in memory.
/// </summary>
internal sealed class BoltTreeBuilder
{
    private readonly BoltFileWriter _file;
    private readonly List<Level> _levels = [];
    private byte[] _lastKey = new byte[64];
    private int _lastKeyLength = -1;

    public BoltTreeBuilder(BoltFileWriter file)
    {
        _file = file;
        _levels.Add(new Level(new BoltPageBuilder(leaf: true, file.PageSize)));
    }

    /// <summary>Adds a pair; keys must arrive strictly ascending (bbolt's byte order).</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint flags = 0)
    {
        if (key.IsEmpty || (_lastKeyLength >= 0 && key.SequenceCompareTo(_lastKey.AsSpan(0, _lastKeyLength)) <= 0))
        {
            throw new InvalidOperationException("bbolt keys must be non-empty and strictly ascending");
        }

        if (_lastKey.Length < key.Length)
        {
            _lastKey = new byte[Math.Max(key.Length, _lastKey.Length * 2)];
        }

        key.CopyTo(_lastKey);
        _lastKeyLength = key.Length;
        var leaf = _levels[0].Page;
        if (!leaf.Fits(key.Length, value.Length))
        {
            Flush(0);
        }

        leaf.AddLeaf(key, value, flags);
    }

    /// <summary>Writes the pages still open and returns the root page id.</summary>
    public ulong Finish()
    {
        for (var level = 0; ; level++)
        {
            var current = _levels[level];
            var isTop = level == _levels.Count - 1;
            if (isTop && current.PagesWritten == 0)
            {
                return _file.Append(current.Page);
            }

            // A page above is open, or this level already wrote a page: this page needs a parent.
            if (current.Page.Count > 0)
            {
                Flush(level);
            }
        }
    }

    private void Flush(int level)
    {
        var current = _levels[level];
        var firstKey = current.Page.FirstKey.ToArray();
        var pgid = _file.Append(current.Page);
        current.PagesWritten++;
        current.Page.Clear();
        if (level + 1 == _levels.Count)
        {
            _levels.Add(new Level(new BoltPageBuilder(leaf: false, _file.PageSize)));
        }

        var parent = _levels[level + 1].Page;
        if (!parent.Fits(firstKey.Length, 0))
        {
            Flush(level + 1);
        }

        parent.AddBranch(firstKey, pgid);
    }

    private sealed class Level(BoltPageBuilder page)
    {
        public BoltPageBuilder Page { get; } = page;

        public long PagesWritten { get; set; }
    }
}
