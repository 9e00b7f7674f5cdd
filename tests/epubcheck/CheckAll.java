import com.adobe.epubcheck.tool.EpubChecker;

/** Runs EPUBCheck on several books in one JVM (one start, one warm-up, for all of them).
 *  Arguments: pairs of a book and the JSON report to write for it. Exit code: the worst. */
public class CheckAll {
    public static void main(String[] args) {
        int worst = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            int code = new EpubChecker().run(new String[] {args[i], "-q", "--json", args[i + 1]});
            worst = Math.max(worst, code);
        }
        System.exit(worst);
    }
}
