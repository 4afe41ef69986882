"""Traditional and variant characters → simplified, for the vocabulary people use with the assistant.

A small shipped table (no OpenCC download): the characters of the policy's terms, the place names of Linyi,
the words of the registration forms and the everyday words around them. Only one-to-one mappings whose
traditional form has no other common meaning in simplified text (so 乾, 著, 後 in names… are left out where
ambiguous).
"""

from __future__ import annotations

# Pairs "traditional/variant → simplified", grouped by topic so gaps are easy to spot.
_PAIRS = """
業业 幫帮 貧贫 脫脱 戶户 邊边 緣缘 農农 鄉乡 鎮镇 縣县 區区 臨临 蘭兰 費费 羅罗 莊庄 東东 陰阴 沂沂
補补 貼贴 衛卫 憑凭 證证 証证 號号 崗岗 訓训 請请 問问 資资 務务 勞劳 動动 協协 體体 組组 織织 輸输
職职 創创 參参 與与 車车 專专 點点 對对 為为 爲为 這这 個个 們们 麼么 嗎吗 會会 時时 間间 還还 沒没
錢钱 標标 準准 條条 審审 進进 辦办 機机 構构 認认 識识 處处 談谈 說说 話话 電电 碼码 發发 給给 應应
該该 關关 聯联 繫系 係系 開开 廠厂 場场 經经 濟济 產产 産产 園园 權权 維维 護护 險险 傷伤 醫医 療疗
養养 舊旧 鄰邻 過过 歲岁 歳岁 齡龄 錄录 記记 報报 屬属 於于 畢毕 學学 習习 書书 寫写 讀读 語语 複复
復复 雜杂 難难 貸贷 擔担 優优 規规 則则 劃划 計计 統统 夥伙 隊队 團团 結结 約约 續续 簽签 訂订 單单
據据 實实 際际 線线 網网 絡络 頁页 視视 頻频 聽听 見见 觀观 現现 當当 覺觉 況况 狀状 態态 總总 數数
額额 萬万 億亿 兩两 幾几 塊块 張张 長长 門门 來来 從从 裡里 裏里 樣样 幹干 錯错 誤误 謝谢 歡欢 轉转
換换 員员 諮咨 詢询 導导 師师 領领 負负 責责 財财 興兴 遷迁 異异 遠远 黃黄 陝陕 貴贵 雲云 寧宁 蘇苏
慶庆 廣广 遼辽 龍龙 鐵铁 運运 輛辆 駕驾 駛驶 飛飞 價价 買买 賣卖 貨货 銷销 帶带 遞递 飯饭 賬账 帳帐
銀银 連连 滿满 內内 無无 決决 確确 査查 県县 辺边 関关 労劳 経经 済济 転转 鉄铁 製制 備备 檢检 驗验
測测 試试 題题 選选 擇择 種种 類类 別别 離离 婦妇 媽妈 親亲 爺爷 孫孙 兒儿 須须 顯显 詳详 細细 節节
讓让 執执 廢废 範范 圍围 屆届 歷历 曆历 週周 禮礼 傳传 眞真 衆众 眾众 羣群 紙纸 編编 藝艺 術术 遺遗
稅税 鐘钟 頭头 腦脑 營营 貿贸 廚厨 潔洁 綠绿 築筑 裝装 鋼钢 軟软 鋪铺 舖铺 設设 環环 廁厕 飲饮 殘残
礙碍 廳厅 盡尽 儘尽 僅仅 適适 將将 獎奖 勵励 獲获 穫获 啟启 啓启 紹绍 級级 檔档 煩烦 擾扰 臺台 圖图
鏈链 載载 閱阅 覽览 貫贯 訊讯 筆笔 徵征 佔占 隻只 祇只 衹只 餘余 際际 虧亏 歸归 氣气 災灾 誌志 湧涌
縮缩 緊紧 級级 給给 續续 驗验 證证 補补 貧贫 層层 鬆松 聞闻 鄧邓 劉刘 陳陈 趙赵 楊杨 吳吴 鄭郑 馬马
馮冯 蔣蒋 韓韩 許许 謝谢 盧卢 蘆芦 鄒邹 鍾钟 閆闫 齊齐 賈贾 顧顾 孟孟 嚴严 喬乔 傅傅 魯鲁 濰潍 濟济
棗枣 聊聊 營营 濱滨 澤泽 萊莱 蕪芜 灣湾 滬沪 陝陕 渝渝 贛赣 湘湘 鄂鄂 豫豫 晉晋 隴陇 甘甘 蒙蒙 閩闽
"""


def _build() -> dict[str, str]:
    table: dict[str, str] = {}
    for pair in _PAIRS.split():
        source, target = pair[0], pair[1]
        if source != target:
            table[source] = target
    return table


def variant_table() -> dict[str, str]:
    """A fresh copy of the table: traditional or variant character → simplified character."""
    return _build()
