package diffusion4j.tensor.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** A profile: one row per op, sorted by total time, most expensive first. */
public record ProfileReport(List<Row> rows) {

    /** One op: how often it ran and its summed wall time. */
    public record Row(String op, long calls, long totalNanos) {
        public double totalMs() { return totalNanos * 1e-6; }
        public double meanMs() { return calls == 0 ? 0 : totalMs() / calls; }
    }

    public ProfileReport {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(Row::totalNanos).reversed().thenComparing(Row::op));
        rows = List.copyOf(sorted);
    }

    public long totalNanos() {
        long t = 0;
        for (Row r : rows) t += r.totalNanos;
        return t;
    }

    /** The row of {@code op}, or null. */
    public Row row(String op) {
        for (Row r : rows) if (r.op.equals(op)) return r;
        return null;
    }

    /**
     * A markdown table (op, calls, total ms, mean ms, % of total), plus a total row; readable as
     * plain text and pasteable into docs.
     */
    public String toTable() {
        long total = totalNanos();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "| %-24s | %8s | %11s | %10s | %7s |%n", "op", "calls", "total ms", "mean ms", "% total"));
        b.append("|").append("-".repeat(26)).append("|").append("-".repeat(10)).append(":|").append("-".repeat(12))
                .append(":|").append("-".repeat(11)).append(":|").append("-".repeat(8)).append(":|").append(System.lineSeparator());
        long calls = 0;
        for (Row r : rows) {
            calls += r.calls;
            b.append(String.format(Locale.ROOT, "| %-24s | %8d | %11.3f | %10.4f | %7.2f |%n", r.op, r.calls, r.totalMs(), r.meanMs(),
                    total == 0 ? 0 : 100.0 * r.totalNanos / total));
        }
        b.append(String.format(Locale.ROOT, "| %-24s | %8d | %11.3f | %10s | %7.2f |%n", "total", calls, total * 1e-6, "", total == 0 ? 0 : 100.0));
        return b.toString();
    }
}
