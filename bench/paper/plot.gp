# gnuplot script written by tools/bench paper; data in outage.dat beside it
set terminal pngcairo size 960,540 font "DejaVu Sans,11"
set output "/work/main/bench/paper.png"
set title "Outage per run: the study (Ryu + OVS 2.8) vs the appliance, same method (server logs)"
set xlabel "run"
set ylabel "outage (ms, log scale)"
set logscale y
set yrange [0.5:5000]
set xrange [0.5:10.5]
set xtics 1
set grid ytics mytics
set key outside right top vertical
plot "/work/main/bench/paper/outage.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#b03030" title "study: downtime", \
     "" using 1:4 with linespoints lw 2 pt 5 lc rgb "#e08020" title "study: failback", \
     "" using 1:3 with linespoints lw 2 pt 7 lc rgb "#2050b0" title "appliance: downtime", \
     "" using 1:5 with linespoints lw 2 pt 5 lc rgb "#20a0a0" title "appliance: failback"
