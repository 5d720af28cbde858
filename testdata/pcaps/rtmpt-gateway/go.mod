module github.com/rtmpscope/rtmpscope/testdata/pcaps/rtmpt-gateway

go 1.26.8
