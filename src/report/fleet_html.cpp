// The placement picture (report/fleet_html.hpp).
#include "torchdoctor/report/fleet_html.hpp"

#include <map>
#include <set>

namespace td {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((c < 0x20 && ch != '\n' && ch != '\t') || c == 0x7f) break;
        out += ch;
    }
  }
  return out;
}

namespace {

constexpr std::string_view k_style = R"(<style>
body{font:13px/1.4 system-ui,sans-serif;margin:1em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 4px;vertical-align:top}
th.img{writing-mode:vertical-rl;transform:rotate(180deg);max-height:22em;font-weight:normal;white-space:nowrap}
td.c{width:1.6em;text-align:center;font-size:11px;cursor:default}
.r{background:#7bc47f}.n{background:#e06666}.u{background:#f2c94c}
td.f{white-space:nowrap}details{max-width:40em}details div{max-height:12em;overflow:auto;font-family:monospace}
#legend td{padding:2px 6px}.count{font-family:monospace}
</style>)";

constexpr std::string_view k_script = R"(<script>
(function(){
  var box=document.getElementById('filter'),rows=document.querySelectorAll('tbody tr.p'),shown=document.getElementById('shown');
  function apply(){
    var q=box.value.toLowerCase(),nodes=0,profiles=0;
    for(var i=0;i<rows.length;i++){
      var r=rows[i],hit=q===''||r.textContent.toLowerCase().indexOf(q)>=0||(r.getAttribute('data-codes')||'').toLowerCase().indexOf(q)>=0;
      r.hidden=!hit;
      if(hit){profiles++;nodes+=+r.getAttribute('data-nodes');}
    }
    shown.textContent=nodes+' nodes in '+profiles+' profiles shown';
  }
  box.addEventListener('input',apply);
  // A link can carry a filter: page.html#filter=TEXT.
  var h=location.hash.match(/^#filter=(.*)$/);
  if(h){try{box.value=decodeURIComponent(h[1]);}catch(e){box.value=h[1];}}
  apply();
})();
</script>)";

char css_class(char v) { return v == 'n' ? 'n' : v == 'u' ? 'u' : 'r'; }

// A cell's mark for a code: the initials of its words (DRIVER_TOO_OLD: DTO), told in the legend.
std::string mark(const std::string& code) {
  std::string m;
  for (std::size_t k = 0; k < code.size(); ++k) {
    if (k == 0 || code[k - 1] == '_') m += code[k];
  }
  return m;
}

}  // namespace

std::string render_fleet_html(const FleetPicture& p) {
  std::string o;
  std::size_t all_nodes = 0;
  for (const auto& prof : p.profiles) all_nodes += prof.nodes.size();
  o += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'\">"
       "<title>torchdoctor fleet</title>\n";
  o += k_style;
  o += "</head><body>\n<h1>Where each image runs</h1>\n<p>" + std::to_string(all_nodes) + " nodes in " +
       std::to_string(p.profiles.size()) + " profiles (nodes with the same placement facts), " +
       std::to_string(p.images.size()) + " images; torchdoctor " + html_escape(p.tool_version) + ".</p>\n";
  o += "<p><label>Filter (node, facts or reason code): <input id=\"filter\" type=\"search\" "
       "autocomplete=\"off\"></label> <span id=\"shown\"></span></p>\n";
  // Legend: the colours and every reason code that occurs.
  std::map<std::string, std::size_t> code_cells;
  for (const auto& prof : p.profiles) {
    for (const auto& c : prof.cells) {
      std::set<std::string> codes;
      for (auto r : c.reasons) codes.insert(p.reasons[r].code);
      for (const auto& code : codes) code_cells[code] += prof.nodes.size();
    }
  }
  o += "<table id=\"legend\"><tr><td class=\"r\">runs</td><td class=\"n\">does not run</td><td "
       "class=\"u\">undetermined</td></tr></table>\n";
  o += "<h2>Reason codes</h2>\n<table id=\"codes\"><tr><th>mark</th><th>code</th><th>node x image cells</th></tr>\n";
  for (const auto& [code, n] : code_cells) {
    o += "<tr><td>" + html_escape(mark(code)) + "</td><td>" + html_escape(code) + "</td><td class=\"count\">" +
         std::to_string(n) + "</td></tr>\n";
  }
  o += "</table>\n<h2>Matrix</h2>\n<table id=\"matrix\"><thead><tr><th>nodes</th><th>facts</th>";
  for (std::size_t i = 0; i < p.images.size(); ++i)
    o += "<th class=\"img\" title=\"" + html_escape(p.images[i]) + "\">" + html_escape(p.images[i]) + "</th>";
  o += "</tr>\n";
  // Counts per image: nodes where it runs, does not, is undetermined.
  const char* names[3] = {"runs", "does-not-run", "undetermined"};
  const char verdicts[3] = {'r', 'n', 'u'};
  for (int k = 0; k < 3; ++k) {
    o += "<tr class=\"counts\" data-verdict=\"" + std::string(names[k]) + "\"><th colspan=\"2\">" + names[k] + "</th>";
    for (std::size_t i = 0; i < p.images.size(); ++i) {
      std::size_t n = 0;
      for (const auto& prof : p.profiles)
        n += i < prof.cells.size() && prof.cells[i].verdict == verdicts[k] ? prof.nodes.size() : 0;
      o += "<td class=\"count\" data-image=\"" + std::to_string(i) + "\">" + std::to_string(n) + "</td>";
    }
    o += "</tr>\n";
  }
  o += "</thead><tbody>\n";
  for (const auto& prof : p.profiles) {
    std::set<std::string> row_codes;
    for (const auto& c : prof.cells) {
      for (auto r : c.reasons) row_codes.insert(p.reasons[r].code);
    }
    std::string codes;
    for (const auto& c : row_codes) codes += (codes.empty() ? "" : " ") + c;
    o += "<tr class=\"p\" data-nodes=\"" + std::to_string(prof.nodes.size()) + "\" data-codes=\"" + html_escape(codes) +
         "\"><td><details><summary>" + std::to_string(prof.nodes.size()) + " node" +
         (prof.nodes.size() == 1 ? "" : "s") + "</summary><div>";
    for (std::size_t k = 0; k < prof.nodes.size(); ++k) o += (k ? "<br>" : "") + html_escape(prof.nodes[k]);
    o += "</div></details></td><td class=\"f\">" + html_escape(prof.facts) + "</td>";
    for (const auto& c : prof.cells) {
      std::string title;
      std::string shown;
      std::set<std::string> seen;
      for (auto r : c.reasons) {
        title += (title.empty() ? "" : "\n") + p.reasons[r].code + ": " + p.reasons[r].message;
        if (seen.insert(p.reasons[r].code).second) shown += (shown.empty() ? "" : " ") + mark(p.reasons[r].code);
      }
      o += "<td class=\"c " + std::string(1, css_class(c.verdict)) + "\"" +
           (title.empty() ? std::string() : " title=\"" + html_escape(title) + "\"") + ">" + html_escape(shown) +
           "</td>";
    }
    o += "</tr>\n";
  }
  o += "</tbody></table>\n";
  o += k_script;
  o += "\n</body></html>\n";
  return o;
}

}  // namespace td
